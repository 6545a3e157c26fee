/** Reading the shell scripts the Security Lake commands print. */

/** The `aws ...` commands of a script, each joined back onto one line. */
export const awsCommands = (script: string): string[] =>
  script
    .replace(/ \\\n\s*/g, ' ')
    .split('\n')
    .filter((l) => l.startsWith('aws '));
