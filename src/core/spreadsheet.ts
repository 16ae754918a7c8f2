// Cells written to CSV or XLSX files that people open in spreadsheet programs.

/**
 * A cell a spreadsheet would take for a formula (=, +, -, @, tab, CR) is prefixed with a quote:
 * text from users and clients (names, user agents, query results) must stay text, so
 * `=HYPERLINK(...)` is shown, never run.
 */
export function neutralizeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
