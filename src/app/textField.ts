/**
 * A one-line text field driven by keys (the `/` filters): typing appends, backspace deletes,
 * enter keeps the text and leaves the field, esc clears it and leaves.
 */

import type { KeyName } from './keyBindings.js';

export interface TextField {
  text: string;
  editing: boolean;
}

export function editField(field: TextField, name: KeyName, input: string): TextField {
  if (name === 'enter') return { ...field, editing: false };
  if (name === 'esc') return { text: '', editing: false };
  if (name === 'backspace') return { ...field, text: field.text.slice(0, -1) };
  if (input && !/[\u0000-\u001f\u007f]/.test(input)) return { ...field, text: field.text + input };
  return field;
}
