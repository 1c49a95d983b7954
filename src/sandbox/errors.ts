/** Errors the sandbox raises while starting or configuring; request problems become HTTP answers instead. */
export type SandboxErrorCode = 'SANDBOX_INVALID_OPTIONS' | 'SANDBOX_NON_LOOPBACK_HOST';

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  /** Options that cannot work are bad usage: the CLI exits with 2. */
  readonly exitCode = 2;
  constructor(
    readonly code: SandboxErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
