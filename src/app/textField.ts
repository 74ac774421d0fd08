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

/**
 * The `/` filter of a list screen: while editing, keys edit the text; `/` starts editing; esc
 * clears a kept filter. Returns the new field, or null when the key is not the filter's.
 */
export function filterKey(field: TextField, event: { action: string | null; name: KeyName; input: string }): TextField | null {
  if (field.editing) return editField(field, event.name, event.input);
  if (event.action === 'filter') return { ...field, editing: true };
  if (event.action === 'back' && field.text) return { text: '', editing: false };
  return null;
}
