import { describe, expect, it } from 'vitest';
import type { Controller } from '#shared/domain/catalogue-types.ts';
import {
  ADVERSE_NOTICE_KINDS,
  formatNoticeDate,
  NOTICE_KINDS,
  type NoticeInput,
  type NoticeKind,
  type NoticeSetting,
  noticeSettingProblems,
  renderDecisionNotice,
} from '#shared/domain/notices/index.ts';
import { ValidationError } from '#shared/errors.ts';

const PREFECTURE: Controller = {
  id: 'ibaraki-pref',
  name: { ja: '茨城県（いばらき就職チャレンジナビ）', en: 'Ibaraki Prefecture' },
  address: '茨城県水戸市笠原町978番6',
  representative: '茨城県知事',
  requestContact: '茨城県 産業戦略部 労働政策課 電話 029-301-3645',
  complaintContact: '茨城県 産業戦略部 労働政策課',
  publicBody: true,
  securityMeasures: [],
};

const BUSINESS: Controller = {
  id: 'gunma-yorozu',
  name: { ja: '群馬県よろず支援拠点', en: 'Gunma Yorozu Support Centre' },
  address: '群馬県前橋市大渡町1-10-7',
  representative: '群馬県よろず支援拠点 チーフコーディネーター',
  requestContact: '群馬県よろず支援拠点 事務局',
  complaintContact: '群馬県よろず支援拠点 事務局（苦情の申出先）',
  publicBody: false,
  securityMeasures: [],
};

const PREFECTURE_SETTING: NoticeSetting = { era: 'wareki', issuer: '茨城県知事', documentNumberPrefix: '茨労政第' };

const REQUEST_TYPE: Readonly<Record<NoticeKind, NoticeInput['request']['type']>> = {
  disclosure: 'export',
  'partial-disclosure': 'export',
  'non-disclosure': 'export',
  correction: 'correct',
  'non-correction': 'correct',
  suspension: 'erase',
  'non-suspension': 'stop-provision',
  extension: 'export',
};

/** The paths of the problems a ValidationError names, or [] when nothing is thrown. */
function refusedPaths(act: () => unknown): string[] {
  try {
    act();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((p) => p.path);
    throw error;
  }
  return [];
}

/** A complete input of each kind, decided 2026-12-02 JST. */
function inputFor(kind: NoticeKind, controller: Controller = PREFECTURE, setting: NoticeSetting = PREFECTURE_SETTING): NoticeInput {
  const decision: Record<NoticeKind, NoticeInput['decision']> = {
    disclosure: { subject: '就職支援会員登録情報', records: 2, disclosure: { method: '写しの交付（郵送）' } },
    'partial-disclosure': {
      subject: '就職支援会員登録情報',
      records: 3,
      withheld: [{ label: '相談記録のうち相談相手の氏名及び連絡先', ground: '法第78条第1項第2号（開示請求者以外の個人に関する情報）' }],
      disclosure: { method: '閲覧', date: '令和8年12月10日 午前10時', place: '茨城県庁行政棟2階 県政情報センター' },
    },
    'non-disclosure': {
      subject: '職業紹介事業者への照会記録',
      grounds: [controller.publicBody ? '法第78条第1項第7号（事務又は事業に関する情報）' : '法第33条第2項第2号（業務の適正な実施に著しい支障を及ぼすおそれ）'],
      reason: '照会先及び照会内容が明らかになり、今後の照会事務の適正な遂行に支障を及ぼすおそれがあるため。',
    },
    correction: { subject: '就職支援会員登録情報', correctedFields: ['住所', '電話番号'] },
    'non-correction': { subject: '就職支援会員登録情報', reason: '請求に係る内容が事実でないことを確認したため。' },
    suspension: { subject: 'メールマガジン配信先情報', records: 1 },
    'non-suspension': { subject: '就職支援会員登録情報', reason: '法令の規定に基づく提供であり、法第69条第2項第1号に該当するため。' },
    extension: { subject: '就職支援会員登録情報' },
  };
  return {
    kind,
    controller,
    setting,
    documentSerial: '1234',
    request: {
      requestId: 'REQ-2026-0042',
      type: REQUEST_TYPE[kind],
      receivedAt: '2026-11-04T01:00:00Z',
      decidedAt: '2026-12-01T15:30:00Z',
      deadline: kind === 'extension' ? '2027-01-03T14:59:59.999Z' : '2026-12-04T14:59:59.999Z',
      ...(kind === 'extension'
        ? { extension: { days: 30, reason: '請求に係る保有個人情報が大量であり、期間内に開示決定等をすることが困難なため。', previousDeadline: '2026-12-04T14:59:59.999Z' } }
        : {}),
    },
    decision: decision[kind],
  };
}

describe('decision notices (決定通知書)', () => {
  it.each(NOTICE_KINDS)('renders a %s notice of a public body in 和暦', (kind) => {
    // Prepare
    const input = inputFor(kind);
    // Act
    const html = renderDecisionNotice(input);
    // Assess
    expect(html).toMatchSnapshot();
  });

  it.each(['non-disclosure', 'suspension'] as const)('renders a business %s notice in 西暦 with its complaint contact', (kind) => {
    // Prepare
    const input = inputFor(kind, BUSINESS, {});
    // Act
    const html = renderDecisionNotice(input);
    // Assess
    expect(html).toMatchSnapshot();
    expect(html).toContain('2026年12月2日');
    expect(html).not.toContain('令和');
    expect(html).toContain('苦情の申出先：群馬県よろず支援拠点 事務局（苦情の申出先）');
  });

  it.each(NOTICE_KINDS.flatMap((kind) => [[kind, PREFECTURE], [kind, BUSINESS]] as const))(
    'gives 教示 on a %s notice exactly when a public body decides against the requester',
    (kind, controller) => {
      // Prepare
      const input = inputFor(kind, controller, {});
      // Act
      const html = renderDecisionNotice(input);
      // Assess
      const adverse = controller.publicBody && ADVERSE_NOTICE_KINDS.includes(kind);
      expect(html.includes('<h2>教示</h2>')).toBe(adverse);
      expect(html.includes('審査請求をすることができます')).toBe(adverse);
      expect(html.includes('苦情の申出先')).toBe(!controller.publicBody);
    },
  );

  it.each(NOTICE_KINDS)('prints a self-contained A4 document addressed to no one by name (%s)', (kind) => {
    // Prepare
    const input = inputFor(kind);
    // Act
    const html = renderDecisionNotice(input);
    // Assess
    expect(html.startsWith('<!doctype html>\n<html lang="ja">')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toMatch(/@page \{ size: A4; margin: [^;]+; \}/);
    expect(html).not.toMatch(/<script|src=|href=|url\(|@import|https?:/i);
    expect(html).toContain('<p class="addressee">請求者 様</p>');
    expect(html).toContain('<p class="docno">茨労政第1234号<br>令和8年12月2日</p>');
  });

  it('names the 取消訴訟 defendant and the 審査請求 issuer from the setting, and uses an own 教示 when given', () => {
    // Prepare
    const input = inputFor('non-correction');
    const own = inputFor('non-correction', PREFECTURE, { appealInstructions: '{issuer}に審査請求できます（請求番号 {requestId}）。\n訴訟は茨城県を被告とします。' });
    // Act
    const html = renderDecisionNotice(input);
    const ownHtml = renderDecisionNotice(own);
    // Assess
    expect(html).toContain('茨城県知事に対して審査請求');
    expect(html).toContain('茨城県を被告として（訴訟において茨城県を代表する者は茨城県知事となります。）');
    expect(ownHtml).toContain('<p>茨城県知事に審査請求できます（請求番号 REQ-2026-0042）。</p>\n<p>訴訟は茨城県を被告とします。</p>');
    expect(ownHtml).not.toContain('行政不服審査法');
  });

  it('leaves the document serial blank for handwriting when only the prefix is set', () => {
    // Prepare
    const input = { ...inputFor('disclosure'), documentSerial: undefined };
    // Act
    const html = renderDecisionNotice(input);
    // Assess
    expect(html).toContain('<p class="docno">茨労政第　　　号<br>令和8年12月2日</p>');
  });

  it('fills a template in one pass, then escapes it', () => {
    // Prepare
    const base = inputFor('extension');
    const input: NoticeInput = {
      ...base,
      setting: { templates: { extension: { title: '期限延長のお知らせ<script>alert(1)</script>', lead: '{requestId}の期限を{extensionDays}日延長し{deadline}までとします。' } } },
      request: { ...base.request, requestId: '{deadline}"><img src=x onerror=alert(1)>' },
    };
    // Act
    const html = renderDecisionNotice(input);
    // Assess
    expect(html).toContain('<h1>期限延長のお知らせ&lt;script&gt;alert(1)&lt;/script&gt;</h1>');
    expect(html).toContain('{deadline}&quot;&gt;&lt;img src=x onerror=alert(1)&gt;の期限を30日延長し令和9年1月3日までとします。');
    expect(html).not.toMatch(/<script|<img/);
  });

  it('escapes hostile text from the decision and the catalogue', () => {
    // Prepare
    const hostile = '<script>alert("x")</script>';
    const base = inputFor('partial-disclosure');
    const input: NoticeInput = {
      ...base,
      controller: { ...PREFECTURE, name: { ja: `県${hostile}`, en: 'x' }, requestContact: hostile },
      setting: { issuer: `知事${hostile}` },
      decision: { ...base.decision, reason: `理由${hostile}\n二行目`, withheld: [{ label: hostile, ground: hostile }], notes: [hostile] },
    };
    // Act
    const html = renderDecisionNotice(input);
    // Assess
    expect(html).not.toContain('<script');
    expect(html).toContain('<td>理由&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>二行目</td>');
    expect(html).toContain('知事&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;に対して審査請求');
  });

  it.each([
    ['a partial disclosure without withheld parts', { ...inputFor('partial-disclosure'), decision: {} }, 'decision.withheld'],
    ['a non-disclosure without grounds', { ...inputFor('non-disclosure'), decision: { reason: '理由' } }, 'decision.grounds'],
    ['a non-correction without a reason', { ...inputFor('non-correction'), decision: {} }, 'decision.reason'],
    ['a correction without the fields corrected', { ...inputFor('correction'), decision: {} }, 'decision.correctedFields'],
    ['an extension without the extension', { ...inputFor('extension'), request: { ...inputFor('disclosure').request } }, 'request.extension'],
    ['an extension of 31 days', { ...inputFor('extension'), request: { ...inputFor('extension').request, extension: { days: 31, reason: '理由' } } }, 'request.extension.days'],
    ['a disclosure notice answering a correction', { ...inputFor('disclosure'), request: { ...inputFor('disclosure').request, type: 'correct' } }, 'request.type'],
    ['a notice answering a purposes request', { ...inputFor('extension'), request: { ...inputFor('extension').request, type: 'purposes' } }, 'request.type'],
    ['an unreadable decision date', { ...inputFor('disclosure'), request: { ...inputFor('disclosure').request, decidedAt: '2026-13-45' } }, 'request.decidedAt'],
    ['withheld parts on a full disclosure', { ...inputFor('disclosure'), decision: { withheld: [{ label: '氏名', ground: '法第78条第1項第2号' }] } }, 'decision.withheld'],
    ['a reason on an extension', { ...inputFor('extension'), decision: { reason: '理由' } }, 'decision.reason'],
    ['a disclosure arrangement on a refusal', { ...inputFor('non-correction'), decision: { reason: '理由', disclosure: { method: '閲覧' } } }, 'decision.disclosure'],
    ['a business with 教示 text', inputFor('non-disclosure', BUSINESS, { appealInstructions: '審査請求できます。' }), 'setting.appealInstructions'],
    ['an unknown placeholder in the setting', inputFor('disclosure', PREFECTURE, { templates: { disclosure: { lead: '{requesterName} 様' } } }), 'setting.templates.disclosure.lead'],
  ] as const)('refuses %s, naming the field', (_case, input, path) => {
    // Act
    const paths = refusedPaths(() => renderDecisionNotice(input as NoticeInput));
    // Assess
    expect(paths).toContain(path);
  });
});

describe('noticeSettingProblems', () => {
  const at = 'controllers[0].notices';

  it('accepts a prefecture setting with an own template and 教示', () => {
    // Prepare
    const value = {
      era: 'wareki',
      issuer: '茨城県知事',
      documentNumberPrefix: '茨労政第',
      templates: {
        'non-disclosure': { title: '保有個人情報の開示をしない旨の決定について（通知）', lead: '{receivedDate}付けの{requestName}（{requestId}）について、開示しないことと決定しました。' },
        extension: { lead: '決定期限を{extensionDays}日延長し、{deadline}までとします。' },
      },
      appealInstructions: '{issuer}に対して審査請求をすることができます。',
    };
    // Act
    const problems = noticeSettingProblems(value, at, { publicBody: true });
    // Assess
    expect(problems).toEqual([]);
  });

  it.each([
    ['not an object', [], at],
    ['an unknown key', { colour: 'red' }, `${at}.colour`],
    ['an unknown era', { era: 'heisei' }, `${at}.era`],
    ['a blank issuer', { issuer: ' ' }, `${at}.issuer`],
    ['a prefix over two lines', { documentNumberPrefix: '茨労政\n第' }, `${at}.documentNumberPrefix`],
    ['templates that are a list', { templates: [] }, `${at}.templates`],
    ['a template of an unknown kind', { templates: { erasure: { title: '消去決定通知書' } } }, `${at}.templates.erasure`],
    ['an unknown template field', { templates: { disclosure: { body: '本文' } } }, `${at}.templates.disclosure.body`],
    ['an unknown placeholder in a title', { templates: { disclosure: { title: '{requesterName}様への通知' } } }, `${at}.templates.disclosure.title`],
    ['an extension placeholder outside an extension', { templates: { correction: { lead: '{extensionDays}日' } } }, `${at}.templates.correction.lead`],
    ['a stray brace', { templates: { correction: { lead: '請求番号 {requestId' } } }, `${at}.templates.correction.lead`],
    ['a template that is text', { templates: { correction: '訂正します' } }, `${at}.templates.correction`],
    ['an unknown placeholder in 教示', { appealInstructions: '{court}に提起できます。' }, `${at}.appealInstructions`],
    ['a control character in 教示', { appealInstructions: '審査請求\u0007' }, `${at}.appealInstructions`],
  ])('refuses %s, naming the path', (_case, value, path) => {
    // Act
    const problems = noticeSettingProblems(value, at);
    // Assess
    expect(problems.map((p) => p.path)).toEqual([path]);
  });

  it('refuses 教示 text of a business only when told it is one', () => {
    // Prepare
    const value = { appealInstructions: '審査請求をすることができます。' };
    // Act
    const business = noticeSettingProblems(value, at, { publicBody: false });
    const unknown = noticeSettingProblems(value, at);
    // Assess
    expect(business.map((p) => p.path)).toEqual([`${at}.appealInstructions`]);
    expect(unknown).toEqual([]);
  });
});

describe('notice dates', () => {
  it.each([
    ['the last day of 平成', '2019-04-30T14:59:59.999Z', 'wareki', '平成31年4月30日'],
    ['the first day of 令和, written 元年', '2019-04-30T15:00:00.000Z', 'wareki', '令和元年5月1日'],
    ['the first day of 令和 in 西暦', '2019-04-30T15:00:00.000Z', 'gregorian', '2019年5月1日'],
    ['an instant after JST midnight', '2026-12-01T15:30:00Z', 'wareki', '令和8年12月2日'],
    ['an instant after JST midnight in 西暦', '2026-12-01T15:30:00Z', 'gregorian', '2026年12月2日'],
    ['an instant before JST midnight', '2026-12-01T14:59:59.999Z', 'wareki', '令和8年12月1日'],
    ['an instant before JST midnight in 西暦', '2026-12-01T14:59:59.999Z', 'gregorian', '2026年12月1日'],
  ] as const)('prints %s', (_case, instant, era, want) => {
    // Act
    const got = formatNoticeDate(instant, era);
    // Assess
    expect(got).toBe(want);
  });
});
