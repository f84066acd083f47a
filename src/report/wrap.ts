/**
 * Wrapping for the terminal view: text fits the terminal's width with a hanging indent (the
 * continuation lines start under the text, not under the label), measured in columns
 * (string-width: wide characters take two), broken at spaces and, for a word longer than a line
 * (a DN, an IQN in prose), inside the word. Commands are never wrapped: see `commandLines`.
 */
import wrapAnsi from 'wrap-ansi';
import stringWidth from 'string-width';

/** The width a plain pipe or a file gets, and a terminal that does not say. */
export const DEFAULT_WIDTH = 100;
/** Below this the hanging indents would leave no room for text: narrower terminals overflow instead. */
export const MIN_WIDTH = 40;

/**
 * The width to render for: the terminal's columns when `stream` is one; else `COLUMNS` when it is
 * set to a number (`COLUMNS=80 clusterprobe report ... | less`); else {@link DEFAULT_WIDTH}.
 */
export function terminalWidth(
  stream: { readonly isTTY?: boolean; readonly columns?: number },
  env: Readonly<Record<string, string | undefined>> = process.env,
): number {
  if (stream.isTTY === true && typeof stream.columns === 'number' && stream.columns > 0) return stream.columns;
  const asked = /^\d{1,4}$/.test(env.COLUMNS ?? '') ? Number(env.COLUMNS) : 0;
  return asked > 0 ? asked : DEFAULT_WIDTH;
}

/** The number of columns `text` takes on a terminal (ANSI colour codes take none). */
export function columns(text: string): number {
  return stringWidth(text);
}

/**
 * Wraps plain `text` to `width` columns: the first line starts with `first` (which may be coloured),
 * the others with `rest` (spaces). `paint` colours each line's text after wrapping, so that the
 * colour codes never count as width nor get split.
 */
export function wrapHanging(
  first: string,
  rest: string,
  text: string,
  width: number,
  paint: (line: string, index: number) => string = (line) => line,
): string[] {
  const room1 = Math.max(width - columns(first), 10);
  const roomN = Math.max(width - columns(rest), 10);
  const body = text.trim();
  if (columns(body) <= room1) return [first + paint(body, 0)];
  const firstLine = wrapAnsi(body, room1, { hard: true, trim: true }).split('\n')[0] ?? '';
  // The first line is a prefix of the text (wrap-ansi only breaks and trims at the breaks); the
  // rest is wrapped again at the continuation lines' width.
  const lines = body.startsWith(firstLine)
    ? [firstLine, ...wrapNonEmpty(body.slice(firstLine.length).trim(), roomN)]
    : wrapNonEmpty(body, Math.min(room1, roomN));
  return lines.map((line, i) => (i === 0 ? first : rest) + paint(line, i));
}

function wrapNonEmpty(text: string, room: number): string[] {
  return text === '' ? [] : wrapAnsi(text, room, { hard: true, trim: true }).split('\n');
}

/**
 * A command as the user will copy it. It is never broken: a line break inside a PowerShell or sh
 * command pasted back into a shell ends the command there (or splits a token), so a command that
 * does not fit at its indent moves left (to `outdent`) if it fits there, and one that does not
 * fit even there stays whole at its indent, longer than the width: the terminal folds it visually, and copying
 * a soft-wrapped line gives it back whole. `where` ("(on NODE1)") follows on the same line when it
 * fits, else on the next line, under the command.
 */
export function commandLines(
  indent: string,
  outdent: string,
  prompt: string,
  command: string,
  where: string,
  width: number,
): string[] {
  const full = `${indent}${prompt} ${command}`;
  if (where !== '' && columns(full) + 2 + columns(where) <= width) return [`${full}  ${where}`];
  const left = `${outdent}${prompt} ${command}`;
  const at = columns(full) > width && columns(left) <= width ? outdent : indent;
  if (where === '') return [`${at}${prompt} ${command}`];
  const under = `${at}${' '.repeat(columns(prompt) + 1)}`;
  return [`${at}${prompt} ${command}`, ...wrapHanging(under, under, where, width)];
}
