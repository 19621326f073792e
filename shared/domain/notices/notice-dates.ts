/**
 * Dates of a notice, always the calendar day in Japan (JST): 和暦 as ICU's
 * Japanese calendar writes it (令和元年5月1日), or 西暦 (2019年5月1日).
 */
import { jstDate } from '../jst.ts';
import type { NoticeEra } from './types.ts';

// One formatter, built once: ICU resolves the era table (平成→令和 on
// 2019-05-01) and writes the first year of an era as 元年.
const WAREKI = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', {
  era: 'long',
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  timeZone: 'Asia/Tokyo',
});

/**
 * The JST day of an instant as a notice prints it.
 * @example formatNoticeDate('2026-12-01T15:30:00Z', 'wareki') // '令和8年12月2日'
 * @example formatNoticeDate('2026-12-01T15:30:00Z', 'gregorian') // '2026年12月2日'
 */
export function formatNoticeDate(instant: string, era: NoticeEra): string {
  const at = new Date(instant);
  if (era === 'wareki') {
    return WAREKI.format(at);
  }
  const [y, m, d] = jstDate(at).split('-').map(Number) as [number, number, number];
  return `${y}年${m}月${d}日`;
}
