/**
 * Shell completion scripts, made from the command table: commands, each command's options, and
 * for the commands that take a JOB, the ids of the newest jobs (`codex-supervisor completion --jobs`).
 */
export interface CompletionCommand {
  readonly name: string;
  readonly aliases: ReadonlyArray<string>;
  readonly summary: string;
  readonly options: ReadonlyArray<{ readonly name: string; readonly short?: string | undefined; readonly help: string; readonly takesValue: boolean }>;
  /** Its first argument is a JOB. */
  readonly takesJob: boolean;
}

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

const BIN = "codex-supervisor";
const FN = "_codex_supervisor";

const words = (list: ReadonlyArray<string>) => list.join(" ");
const optionWords = (c: CompletionCommand) => words(c.options.flatMap((o) => [`--${o.name}`, ...(o.short ? [`-${o.short}`] : [])]));
const jobCommands = (commands: ReadonlyArray<CompletionCommand>) => commands.filter((c) => c.takesJob).map((c) => c.name);

const bash = (commands: ReadonlyArray<CompletionCommand>): string => [
  `# ${BIN} completion for bash: add  source <(${BIN} completion bash)  to ~/.bashrc`,
  `${FN}() {`,
  `  local cur="\${COMP_WORDS[COMP_CWORD]}" opts=""`,
  `  if [ "$COMP_CWORD" -eq 1 ]; then`,
  `    COMPREPLY=( $(compgen -W "${words([...commands.flatMap((c) => [c.name, ...c.aliases]), "help", "version"])}" -- "$cur") )`,
  `    return`,
  `  fi`,
  `  case "\${COMP_WORDS[1]}" in`,
  ...commands.map((c) => `    ${[c.name, ...c.aliases].join("|")}) opts="${optionWords(c)}" ;;`),
  `  esac`,
  `  if [[ "$cur" == -* ]]; then`,
  `    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )`,
  `  elif [ "$COMP_CWORD" -eq 2 ] && [[ " ${words(jobCommands(commands))} " == *" \${COMP_WORDS[1]} "* ]]; then`,
  `    COMPREPLY=( $(compgen -W "$(${BIN} completion --jobs 2>/dev/null | cut -f1)" -- "$cur") )`,
  `  fi`,
  `}`,
  `complete -o default -F ${FN} ${BIN}`,
  "",
].join("\n");

// zsh runs the bash function through its bashcompinit layer: one script to keep right, not two.
const zsh = (commands: ReadonlyArray<CompletionCommand>): string => [
  `# ${BIN} completion for zsh: add  source <(${BIN} completion zsh)  to ~/.zshrc`,
  `autoload -U +X compinit && compinit`,
  `autoload -U +X bashcompinit && bashcompinit`,
  bash(commands).split("\n").slice(1).join("\n"),
].join("\n");

const fishQuote = (text: string) => `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

const fish = (commands: ReadonlyArray<CompletionCommand>): string => [
  `# ${BIN} completion for fish: ${BIN} completion fish > ~/.config/fish/completions/${BIN}.fish`,
  `complete -c ${BIN} -f`,
  ...commands.map((c) => `complete -c ${BIN} -n __fish_use_subcommand -a ${c.name} -d ${fishQuote(c.summary)}`),
  ...commands.flatMap((c) => c.options.map((o) =>
    `complete -c ${BIN} -n '__fish_seen_subcommand_from ${c.name}' -l ${o.name}${o.short ? ` -s ${o.short}` : ""}${o.takesValue ? " -r" : ""} -d ${fishQuote(o.help)}`)),
  `complete -c ${BIN} -n '__fish_seen_subcommand_from ${words(jobCommands(commands))}' -a '(${BIN} completion --jobs 2>/dev/null)'`,
  "",
].join("\n");

export const completionScript = (shell: Shell, commands: ReadonlyArray<CompletionCommand>): string =>
  ({ bash, zsh, fish })[shell](commands);
