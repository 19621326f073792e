/**
 * The Japanese draft of a breach report to the PPC, item by item as
 * 施行規則第8条第1項 lists them, with 【要記入】 where someone has to fill in
 * or confirm.
 */
import type { Catalogue, Controller, Dataset } from '../catalogue-types.ts';
import { CATEGORY_LABELS } from '../category-labels.ts';
import { jstDate } from '../jst.ts';
import { MANNER_LABELS } from './manner.ts';
import { formatOccurred, japaneseDay } from './occurrence.ts';
import type {
  BreachFlags,
  ControllerAssessment,
  DraftItem,
} from './types.ts';

const TO_FILL = '【要記入】';

/** The Japanese draft of the report (施行規則第8条第1項各号), items 1–9. */
export function draftItems(
  controller: Controller,
  datasetList: readonly Dataset[],
  a: Omit<ControllerAssessment, 'draft'>,
  flags: BreachFlags,
  catalogue: Catalogue,
): DraftItem[] {
  const fired = [...a.triggers, ...a.myNumberTriggers].filter((t) => t.fired);
  const mnCount = a.myNumberTriggers.find((t) => t.id === 'my-number-subject-count');
  const myNumberSubjects = mnCount === undefined ? 0 : mnCount.subjects + mnCount.protectedSubjects;
  const datasetNames = datasetList.map((d) => `「${d.name.ja}」`).join('、');
  const learned = japaneseDay(jstDate(new Date(flags.discoveredAt)));
  const fieldLines = a.fields.map(
    (f) =>
      `・${f.labelJa}（${f.categories.map((c) => CATEGORY_LABELS[c].report).join('・')}）：暗号化あり ${f.sealedRecords}件／暗号化なし ${f.clearRecords}件`,
  );
  const processors = [...new Set(datasetList.flatMap((d) => d.processors))]
    .map((id) => catalogue.processors.find((p) => p.id === id))
    .filter((p) => p !== undefined)
    .map((p) => `${p.name}（${p.scope}）`);
  const encryptionNote = flags.keyExposed
    ? '暗号化に用いた鍵も漏えいしたおそれがあるため、暗号化された項目も保護されていないものとして扱った。'
    : '本人ごとのデータ鍵で暗号化（AES-256-GCM、鍵はKMSで保護）された項目は、鍵の漏えいがない限り高度な暗号化が施されたものとして扱った。';
  return [
    {
      no: 1,
      heading: '概要',
      text: `${controller.name.ja}が取り扱う個人データ（${datasetNames}）について、漏えい等が発生し、又は発生したおそれがある事態を${learned}に把握した。${
        fired.length === 0
          ? '報告対象事態には該当しないと判定した。'
          : `該当する報告対象事態：${fired.map((t) => t.labelJa).join('、')}。`
      }${flags.improperPurpose ? '不正の目的をもって行われたおそれがある。' : ''}発生日時：${
        flags.occurredAt === undefined ? TO_FILL : formatOccurred(flags.occurredAt)
      }。事態の態様：${
        flags.manners === undefined || flags.manners.length === 0
          ? `${TO_FILL}（漏えい・滅失・毀損の別）`
          : flags.manners.map((m) => MANNER_LABELS[m]).join('・')
      }。発覚の経緯：${TO_FILL}`,
      toFill: true,
    },
    {
      no: 2,
      heading: '漏えい等が発生し、又は発生したおそれがある個人データの項目',
      text: [...fieldLines, encryptionNote].join('\n'),
      toFill: false,
    },
    {
      no: 3,
      heading: '漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数',
      text: `${a.subjects}人（記録${a.records}件）。うち暗号化により保護されていない本人 ${a.unprotectedSubjects}人。${
        myNumberSubjects > 0 ? `特定個人情報に係る本人 ${myNumberSubjects}人。` : ''
      }`,
      toFill: false,
    },
    {
      no: 4,
      heading: '原因',
      text: `${flags.improperPurpose ? '不正の目的をもって行われたおそれがある行為による。' : ''}原因の詳細：${TO_FILL}`,
      toFill: true,
    },
    {
      no: 5,
      heading: '二次被害又はそのおそれの有無及びその内容',
      text: `${
        a.categories.includes('financial')
          ? '財産的被害が生じるおそれがある情報（口座等）が含まれる。'
          : ''
      }${a.categories.includes('sensitive') ? '要配慮個人情報が含まれる。' : ''}二次被害の有無及びその内容：${TO_FILL}`,
      toFill: true,
    },
    {
      no: 6,
      heading: '本人への対応の実施状況',
      text: a.noticeRequired
        ? `本人への通知が必要（${controller.publicBody ? '個人情報保護法第68条第2項' : '個人情報保護法第26条第2項'}）。通知対象 ${a.subjectsToNotify.length}人。通知の実施状況（通知日、方法、代替措置の有無）：${TO_FILL}`
        : `本人への通知は法令上必要と判定されなかった。任意の対応：${TO_FILL}`,
      toFill: true,
    },
    {
      no: 7,
      heading: '公表の実施状況',
      text: `公表の有無、日時及び方法：${TO_FILL}`,
      toFill: true,
    },
    {
      no: 8,
      heading: '再発防止のための措置',
      text: [
        '事態発生時に講じていた安全管理措置：',
        ...controller.securityMeasures.map((m) => `・${m}`),
        `実施済み又は実施予定の再発防止策：${TO_FILL}`,
      ].join('\n'),
      toFill: true,
    },
    {
      no: 9,
      heading: 'その他参考となる事項',
      text: [
        processors.length === 0 ? '委託先：なし' : `委託先：${processors.join('、')}`,
        a.myNumberReportRequired
          ? '特定個人情報の漏えい等に関する報告（番号法第29条の4）も必要。'
          : '',
        a.deadlines === undefined
          ? ''
          : `速報期限の目安：${a.deadlines.preliminaryDay3.slice(0, 10)}〜${a.deadlines.preliminaryDay5.slice(0, 10)}、確報期限：${a.deadlines.final.slice(0, 10)}（${a.deadlines.finalDays}日）`,
        `カタログ版：${catalogue.version}`,
        `その他：${TO_FILL}`,
      ]
        .filter((l) => l !== '')
        .join('\n'),
      toFill: true,
    },
  ];
}
