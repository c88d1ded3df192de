/**
 * A stand-in for a Prometheus that has been scraping since the watchdog started: one scrape `firstMs`
 * after it starts (before a measurement window, so the first use of the HTTP path is not in it), then
 * one every `everyMs`. Returns the stop.
 */
export const startScraper = (port: number, everyMs: number, firstMs = 6000): (() => void) => {
  const scrape = () => { void fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => ""); };
  const first = setTimeout(scrape, firstMs);
  const every = setInterval(scrape, everyMs);
  return () => { clearTimeout(first); clearInterval(every); };
};
