/**
 * The statutory request procedure (開示等の請求等の手続) of a controller,
 * used where the catalogue gives none of its own.
 */
import type { Controller } from '../catalogue-types.ts';
import type { RegisterController } from './types.ts';

/**
 * The request procedure the law sets for a controller (APPI Art. 32–39
 * for businesses, Art. 76–103 for public bodies).
 */
export function statutoryProcedure(c: Controller): RegisterController['procedure'] {
  const agentsLaw = c.publicBody
    ? '個人情報保護法第76条第2項'
    : '個人情報保護法第37条第3項';
  return {
    where: c.requestContact,
    identityVerification:
      '請求者が本人（代理人による場合は代理人及びその権限）であることを、運転免許証、マイナンバーカード、パスポート等の本人確認書類の提示又は写しの提出により確認します。',
    agents: `次の代理人による請求ができます（${agentsLaw}）：(1) 未成年者又は成年被後見人の法定代理人 (2) 開示等の請求等をすることにつき本人が委任した代理人`,
    fees: c.publicBody
      ? '開示請求に係る手数料及び写しの交付に要する費用は、法令・条例の定めるところによります（個人情報保護法第89条）。'
      : '利用目的の通知又は開示の請求について手数料を徴収する場合は、実費を勘案して合理的と認められる範囲内で別に定めます（個人情報保護法第38条）。',
    kinds:
      '利用目的の通知、開示（第三者提供記録を含む）、内容の訂正・追加・削除、利用の停止・消去、第三者への提供の停止',
    legalRef: c.publicBody
      ? '個人情報保護法第76条〜第103条'
      : '個人情報保護法第32条〜第39条',
  };
}
