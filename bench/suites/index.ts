import type { Suite } from "../lib/suite.ts";
import { databaseSuite } from "./database.ts";
import { detectionSuite } from "./detection.ts";
import { historySuite } from "./history.ts";
import { killSuite } from "./kill.ts";
import { platformsSuite } from "./platforms.ts";
import { statusSuite } from "./status.ts";
import { watchdogSuite } from "./watchdog.ts";

/** Every benchmark, in the order they run (the order). */
export const SUITES: ReadonlyArray<Suite> = [statusSuite, watchdogSuite, killSuite, detectionSuite, historySuite, databaseSuite, platformsSuite];
