import { containsPersonalIdentifier } from '../code-lists/identifier-search';

/**
 * How an error answer names a field whose name it may not repeat (CONTRACT.md v1.1): a name that
 * spells a personal identifier, is not valid Unicode, holds control characters or is very long.
 */
export const UNNAMED_FIELD = '<unnamed field>';
const MAX_NAME = 64;

// C0 controls and DEL (matching control characters is the point here, hence the lint exception); a high surrogate not followed by a low one, or a low one not preceded by a high one.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string may not be stored (CONTRACT.md v1.1), or undefined when it may. */
export function unsafeStringReason(value: string): 'control' | 'surrogate' | undefined {
  if (CONTROL.test(value)) return 'control';
  if (LONE_SURROGATE.test(value)) return 'surrogate';
  return undefined;
}

/** The name as an error may repeat it, or `<unnamed field>`. */
export function reportableName(name: string): string {
  if (name.length > MAX_NAME || unsafeStringReason(name) !== undefined || containsPersonalIdentifier(name)) return UNNAMED_FIELD;
  return name;
}
