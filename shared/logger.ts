/**
 * The logging surface the framework needs. Powertools' Logger satisfies it in Lambda; the CLI
 * passes a quieter one. The runner hands connectors a {@link redactingLogger}, so every message and
 * attribute they log goes through the source's redactor first.
 */
export interface Logger {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** A logger that drops everything (tests, and the CLI's quiet mode). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * `log` with every message and attribute passed through `redact` first (attributes as their JSON,
 * where the redactor also finds a secret's JSON-escaped form).
 */
export function redactingLogger(log: Logger, redact: (text: string) => string): Logger {
  const clean = (attributes: Record<string, unknown> | undefined): Record<string, unknown> | undefined => {
    if (attributes === undefined) return undefined;
    const json = JSON.stringify(attributes);
    const redacted = redact(json);
    return redacted === json ? attributes : (JSON.parse(redacted) as Record<string, unknown>);
  };
  return {
    debug: (m, a) => log.debug(redact(m), clean(a)),
    info: (m, a) => log.info(redact(m), clean(a)),
    warn: (m, a) => log.warn(redact(m), clean(a)),
    error: (m, a) => log.error(redact(m), clean(a)),
  };
}

/** A logger whose methods want the attributes object (Powertools' Logger). */
export interface StructuredLogger {
  debug(message: string, attributes: Record<string, unknown>): void;
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/** Powertools' logger (or any {@link StructuredLogger}) behind the framework's Logger interface. */
export function structuredLogger(logger: StructuredLogger): Logger {
  return {
    debug: (m, a) => logger.debug(m, a ?? {}),
    info: (m, a) => logger.info(m, a ?? {}),
    warn: (m, a) => logger.warn(m, a ?? {}),
    error: (m, a) => logger.error(m, a ?? {}),
  };
}
