/**
 * Imported before the AWS SDK, and only by the module that loads it first: ESM evaluates a module's
 * imports in order, so this runs before the SDK's own code. The SDK otherwise prints a 7-line
 * "NodeVersionSupportWarning" onto our terminal on Node 20, which the pinned SDK version supports; a
 * user who set the variable either way keeps their choice.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
