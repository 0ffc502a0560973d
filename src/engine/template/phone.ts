/**
 * A callback number as patients read it: US numbers in E.164 or bare digits become "555-201-0123";
 * anything else is shown as the practice entered it.
 */
export function displayPhone(phone: string): string {
  const trimmed = phone.trim();
  const digits = trimmed.replace(/[\s().-]/g, '');
  const us = /^(?:\+?1)?(\d{3})(\d{3})(\d{4})$/.exec(digits);
  return us ? `${us[1]}-${us[2]}-${us[3]}` : trimmed;
}
