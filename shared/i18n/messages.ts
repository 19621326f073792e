/**
 * Japanese for the CLI's refusals and errors (`--lang ja`). Messages are
 * written in English where they arise, with their facts (ids, paths,
 * values) interpolated; this table knows each message's shape and gives
 * its Japanese with the same facts. A message it does not know is shown
 * as it is, in English: never a half-translated sentence. Pure.
 */

/** A language of the CLI's messages. */
export type Lang = 'en' | 'ja';

/** The languages accepted by `--lang` and `WASURE_LANG`. */
export const LANGS: readonly Lang[] = ['en', 'ja'];

/** One message shape: an anchored pattern and its Japanese, `$1`… for the facts. */
type Entry = readonly [RegExp, string];

/**
 * Whole messages (a problem's message, an error's message). Ordered: the
 * first match wins, so the more specific shape comes first.
 */
const MESSAGES: readonly Entry[] = [
  // Command line
  [/^is required$/, '必須です'],
  [/^is required \((.+)\)$/, '必須です（$1）'],
  [/^is required: (.+)$/, '必須です: $1'],
  [/^is required \(or name the record with --record\)$/, '必須です（または --record で記録を指定してください）'],
  [/^must not be empty$/, '空にできません'],
  [/^must be a whole number$/, '整数で指定してください'],
  [/^must be one of (.+)$/, '次のいずれかを指定してください: $1'],
  [/^is not an option of (.+?) \(did you mean (--[\w-]+)\?\); see (.+) --help$/, '$1 のオプションではありません（$2 のことですか）。$3 --help を見てください'],
  [/^is not an option of (.+?); see (.+) --help$/, '$1 のオプションではありません。$2 --help を見てください'],
  [/^needs a value \(give it as (\S+) VALUE, or (\S+)=VALUE for a value starting with "-"\)$/, '値が必要です（$1 VALUE と書くか、「-」で始まる値は $2=VALUE と書いてください）'],
  [/^takes no value$/, '値をとりません'],
  [/^(.+) takes no positional arguments$/, '$1 は位置引数をとりません'],
  [/^(.+) takes (.+) only$/, '$1 がとる位置引数は $2 だけです'],
  [/^is required \(or set WASURE_OPERATOR\): every decision names who took it$/, '必須です（または WASURE_OPERATOR）。決定には必ず担当者を記録します'],
  [/^is required: a (rejection|withdrawal) says why$/, '必須です。理由を示してください'],
  [/^is only for a correction \(request correct\)$/, '訂正の請求（request correct）にだけ指定できます'],
  [/^needs --agent \(the kind of agent\)$/, '--agent（代理人の種類）が必要です'],
  [/^"(.+)" is not an ISO-8601 time$/, '「$1」はISO 8601の日時ではありません'],
  [/^"(.+)" is not FIELD=VALUE$/, '「$1」は 項目=値 の形ではありません'],
  // Requests, approval, deadlines
  [/^an operator must be identified \(--operator ID or WASURE_OPERATOR\)$/, '担当者を指定してください（--operator ID または WASURE_OPERATOR）'],
  [/^(.+) filed this request and cannot approve it: a second operator must \(決裁, four eyes\)$/, '$1 はこの請求の起案者のため決裁できません。別の担当者が決裁してください'],
  [/^only the operator who filed it \((.+)\) withdraws a request; reject it instead$/, '取下げは起案者（$1）だけができます。不承認にしてください'],
  [/^a rejection needs a reason \(--reason TEXT\)$/, '不承認には理由が必要です（--reason TEXT）'],
  [/^a withdrawal needs a reason \(--reason TEXT\)$/, '取下げには理由が必要です（--reason TEXT）'],
  [/^was already (approved|rejected|withdrawn)(?: by (\S+))?(?: at (\S+))?$/, '既に$1です（$2 $3）'],
  [/^this request needed no approval and has been carried out$/, 'この請求は決裁を要しないため既に処理されています'],
  [/^the period was already extended once; Art\. 83\(2\) allows one extension$/, '期限は既に延長されています（法第83条第2項の延長は1回限り）'],
  [/^must be a whole number from (\d+) to (\d+), not (.+)$/, '$1から$2までの整数で指定してください（指定: $3）'],
  [/^must be a whole number from (\d+) to (\d+)$/, '$1から$2までの整数で指定してください'],
  [/^an extension needs a written reason$/, '延長には書面で示す理由が必要です'],
  [/^is (\S+): only an open request's deadline changes$/, '$1 の請求です。期限を変えられるのは処理中の請求だけです'],
  [/^is already paused since (.+)$/, '$1 から既に中断しています'],
  [/^is not paused$/, '中断していません'],
  [/^no such request \(wasure request list shows them\)$/, 'その請求はありません（wasure request list で一覧できます）'],
  [/^"(.+)" is not a controller of the catalogue(?: \((.+)\))?$/, '「$1」はカタログの管理者ではありません'],
  [/^identity must be verified before a request is handled \(--verified-by METHOD --evidence REF\)$/, '請求の処理前に本人確認が必要です（--verified-by METHOD --evidence REF）'],
  [/^an agent must be identified by a reference to the proof of agency \(--agent-ref\)$/, '代理人は代理権を証する書類の参照番号で示してください（--agent-ref）'],
  // Ingest refusals (APPI: purposes, categories, personal data in ids)
  [/^is not valid JSON$/, 'JSONとして読めません'],
  [/^must be a JSON object$/, 'JSONオブジェクトでなければなりません'],
  [/^must list at least one purpose of use$/, '利用目的を1つ以上示してください'],
  [/^"(.+)" is not a purpose of dataset "(.+)" \(allowed: (.+)\)$/, '「$1」はデータセット「$2」の利用目的ではありません（指定できるもの: $3）'],
  [/^field is not declared in dataset "(.+)" \(purpose limitation: only catalogued items may be stored\)$/, 'データセット「$1」に定義されていない項目です（利用目的による制限: カタログにある項目だけを保存できます）'],
  [/^holds sensitive data \(要配慮個人情報\) without the subject's consent \((.+)\) or a listed exception \(APPI Art\. 20\(2\)\)$/, '要配慮個人情報を含みますが、本人の同意（$1）も掲げられた例外もありません（法第20条第2項）'],
  [/^holds (\S+) data \((.+)\) but dataset "(.+)" may not hold (?:it|\S+ data)$/, '$1に当たる情報（$2）を含みますが、データセット「$3」はこれを保有できません'],
  [/^unknown dataset "(.+)" \(not in catalogue (.+)\)$/, 'データセット「$1」はカタログ $2 にありません'],
  [/^"(.+)" is not a category dataset "(.+)" may hold$/, '「$1」はデータセット「$2」が保有できる区分ではありません'],
  [/^is not a valid My Number \(12 digits with a correct check digit\)$/, '有効な個人番号ではありません（検査用数字の正しい12桁）'],
  [/^must be an ISO-8601 time with a zone, e\.g\. (.+)$/, 'タイムゾーン付きのISO 8601日時で指定してください（例: $1）'],
  [/^is in the future$/, '未来の日時です'],
  [/^a record with this id already exists$/, '同じIDの記録が既にあります'],
  [/^looks like (.+); ids are written to indexes and the audit trail, so they must not carry personal data \(use an opaque id\)$/, '$1 に見えます。IDは索引と監査ログに書かれるため個人情報を含められません（意味のないIDを使ってください）'],
  [/^dataset "(.+)" does not keep documents$/, 'データセット「$1」は文書を保有しません'],
  [/^must be an object$/, 'オブジェクトでなければなりません'],
  [/^must be an array$/, '配列でなければなりません'],
  [/^unknown dataset "(.+)"$/, '不明なデータセット「$1」です'],
];

/** Error headlines (the first line of a refusal). */
const HEADLINES: readonly Entry[] = [
  [/^request (\S+) cannot be accepted$/, '請求 $1 は受け付けられません'],
  [/^the request cannot be accepted$/, '請求は受け付けられません'],
  [/^the request cannot be (approved|rejected|withdrawn)$/, '請求を$1にできません'],
  [/^request (\S+) cannot be (approved|rejected|withdrawn|decided|extended|paused|resumed)$/, '請求 $1 を$2にできません'],
  [/^request (\S+) does not exist$/, '請求 $1 はありません'],
  [/^the deadline cannot be extended$/, '期限を延長できません'],
  [/^an operator must be identified$/, '担当者を指定してください'],
  [/^unexpected error: (.+)$/, '予期しないエラー: $1'],
  [/^unknown option (\S+) for (.+)$/, '$2 に $1 というオプションはありません'],
  [/^unexpected argument "(.+)" for (.+)$/, '$2 に余分な引数「$1」があります'],
  [/^bad value for (\S+)$/, '$1 の値が正しくありません'],
  [/^unknown language$/, '不明な言語です'],
];

/** The Japanese of the words a message carries as facts: decisions and data categories. */
const WORDS: Readonly<Record<string, string>> = {
  sensitive: '要配慮個人情報',
  'my-number': '個人番号',
  financial: '金融情報',
  approved: '決裁（承認）',
  rejected: '不承認',
  withdrawn: '取下げ',
  decided: '決定',
  extended: '延長',
  paused: '中断',
  resumed: '再開',
};

function apply(entries: readonly Entry[], text: string): string | undefined {
  for (const [pattern, ja] of entries) {
    const m = pattern.exec(text);
    if (m !== null) {
      return ja.replace(/\$(\d)/g, (_, i: string) => {
        const fact = m[Number(i)] ?? '';
        return WORDS[fact] ?? fact;
      }).replace(/（\s*）/g, '').replace(/（\s+/g, '（').replace(/\s+）/g, '）');
    }
  }
  return undefined;
}

/** A problem's or an error's message in `lang` (as it is when the table does not know it). */
export function message(text: string, lang: Lang): string {
  if (lang === 'en') return text;
  return apply(MESSAGES, text) ?? apply(HEADLINES, text) ?? text;
}

/** Whether the table knows this message (tests check that what users meet most is known). */
export function knows(text: string): boolean {
  return apply(MESSAGES, text) !== undefined || apply(HEADLINES, text) !== undefined;
}

/** The language asked for: `--lang`, else `WASURE_LANG`, else the catalogue's `language`, else English. */
export function chooseLang(given: string | undefined, env: string | undefined, catalogue: string | undefined): Lang {
  for (const value of [given, env, catalogue]) {
    if (value === 'ja' || value === 'en') return value;
  }
  return 'en';
}
