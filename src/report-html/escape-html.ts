const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text for HTML element content or a quoted attribute value: the five characters that could end
 * either are replaced by entities, so workspace text (`<img src=x onerror=alert(1)>`,
 * `</script><script>`) always reads as text and never becomes markup.
 *
 * @example escapeHtml('<b>"A&B"</b>'); // "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;"
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
}
