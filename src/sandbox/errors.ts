/** Errors the sandbox raises while starting or configuring; request problems become HTTP answers instead. */
export type SandboxErrorCode = 'SANDBOX_INVALID_OPTIONS' | 'SANDBOX_NON_LOOPBACK_HOST';

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  constructor(
    readonly code: SandboxErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
