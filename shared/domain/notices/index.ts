/**
 * Printable decision notices (決定通知書): the kinds, a controller's
 * notice settings and their validation, and the A4 HTML renderer.
 */
export { formatNoticeDate } from './notice-dates.ts';
export { noticeInputProblems } from './input-problems.ts';
export { EXTENSION_PLACEHOLDERS, NOTICE_PLACEHOLDERS } from './placeholders.ts';
export { renderDecisionNotice } from './render-html.ts';
export { noticeSettingProblems } from './setting-problems.ts';
export * from './types.ts';
