/**
 * Local calendar dates as "YYYY-MM-DD" strings and instants as ISO 8601 with the device's
 * UTC offset (the API stores both server time and device time, so the offset matters).
 * @module common/dates
 */

const pad = (n) => String(n).padStart(2, '0');

/**
 * A Date's local calendar date.
 * @param {Date} [when]
 * @returns {string} "YYYY-MM-DD"
 */
export function isoDate(when = new Date()) {
  return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}`;
}

/**
 * A calendar date moved by whole days.
 * @param {string} date "YYYY-MM-DD"
 * @param {number} days may be negative
 * @returns {string}
 */
export function addDays(date, days) {
  const [year, month, day] = date.split('-').map(Number);
  return isoDate(new Date(year, month - 1, day + days));
}

/**
 * An instant as ISO 8601 with the local offset, e.g. "2026-11-24T08:05:00+08:00".
 * @param {Date} when
 * @returns {string}
 */
export function isoInstant(when) {
  const offset = -when.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const zone = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${isoDate(when)}T${pad(when.getHours())}:${pad(when.getMinutes())}:${pad(when.getSeconds())}${zone}`;
}

/**
 * The instant of a local date at a local "HH:MM" time.
 * @param {string} date "YYYY-MM-DD"
 * @param {string} time "HH:MM"
 * @returns {Date}
 */
export function atLocalTime(date, time) {
  const [year, month, day] = date.split('-').map(Number);
  const [hours, minutes] = time.split(':').map(Number);
  return new Date(year, month - 1, day, hours, minutes);
}

/**
 * A Date's local time of day, for an `<input type="time">`.
 * @param {Date} [when]
 * @returns {string} "HH:MM"
 */
export function localTime(when = new Date()) {
  return `${pad(when.getHours())}:${pad(when.getMinutes())}`;
}

/**
 * The instant of a wall-clock time on a date in an IANA zone, as ISO 8601 UTC: the participant's
 * 08:00 in Europe/London stays 08:00 London whatever zone this browser is in. The zone's offset
 * is read from Intl twice (the second pass settles offsets that change on that day).
 * @param {string} date YYYY-MM-DD
 * @param {string} time HH:MM
 * @param {string} zone IANA time zone, e.g. "Europe/London"
 * @returns {string}
 */
export function instantInZone(date, time, zone) {
  const [year, month, day] = date.split('-').map(Number);
  const [hour, minute] = time.split(':').map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
  const offset = (ms) => {
    const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
    return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second) - ms;
  };
  const first = wall - offset(wall);
  return new Date(wall - offset(first)).toISOString();
}
