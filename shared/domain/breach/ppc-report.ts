/**
 * The breach report as the PPC form asks it: per controller, a 速報 and a
 * 確報 draft, each with the reporter header, its own report id linked to
 * the other stage's, its deadline, the route (PPC, delegated ministry,
 * My Number Act) and the items of 施行規則第8条第1項.
 */
import type { Controller } from '../catalogue-types.ts';
import { jstDate } from '../jst.ts';
import {
  type BreachStage,
  STAGE_LABELS,
  type StageDeadline,
  breachDeadlines,
  stageDeadline,
} from './deadlines.ts';
import type { BreachManner } from './manner.ts';
import { japaneseDay } from './occurrence.ts';
import { breachIdOf, reportIdOf } from './report-id.ts';
import {
  type BreachReporterSetting,
  type HeaderRow,
  reporterHeader,
} from './reporter.ts';
import { type BreachRoute, breachRoutes } from './routing.ts';
import type {
  BreachAssessment,
  BreachDeadlines,
  ControllerAssessment,
  DraftItem,
} from './types.ts';

/** The other stage's report a draft refers to. */
export interface LinkedReport {
  /** Its stage. */
  readonly stage: BreachStage;
  /** Its report id. */
  readonly reportId: string;
  /** The day the 速報 was filed (JST), when a 確報 is told it. */
  readonly filedOn?: string;
}

/** One controller's report at one stage. */
export interface PpcReportDraft {
  /** 速報 or 確報. */
  readonly stage: BreachStage;
  /** Japanese name of the stage. */
  readonly stageJa: '速報' | '確報';
  /** Breach id shared by every report of the breach. */
  readonly breachId: string;
  /** This report's id. */
  readonly reportId: string;
  /** The other stage's report: the 速報 for a 確報, the 確報 to come for a 速報. */
  readonly linked: LinkedReport;
  /** Controller id. */
  readonly controllerId: string;
  /** The controller is a public body (保有個人情報, 法第68条). */
  readonly publicBody: boolean;
  /** JST day the draft was made. */
  readonly draftedOn: string;
  /** Reporter header (報告者). */
  readonly header: readonly HeaderRow[];
  /** Where the reports go. */
  readonly routes: readonly BreachRoute[];
  /** Whether any report is required (false: a voluntary report). */
  readonly required: boolean;
  /** This stage's deadline. */
  readonly deadline: StageDeadline;
  /** Both stages' deadlines. */
  readonly deadlines: BreachDeadlines;
  /** 発生日時, when known. */
  readonly occurredAt?: string;
  /** 事態の態様, when known. */
  readonly manners: readonly BreachManner[];
  /** Opening sentence: what this stage is and which report it follows. */
  readonly intro: string;
  /** Items of 施行規則第8条第1項. */
  readonly items: readonly DraftItem[];
  /** Header rows and items still to fill in. */
  readonly toFill: number;
}

/** Options of {@link ppcReportDrafts}. */
export interface PpcReportOptions {
  /** Stages to draft. @default both */
  readonly stages?: readonly BreachStage[];
  /** Breach id. @default derived from the discovery time ({@link breachIdOf}) */
  readonly breachId?: string;
  /** Ministry reports are delegated to; overrides the setting's. @default the setting's */
  readonly delegatedTo?: string;
  /** JST day the 速報 was filed, for the 確報. @default unknown */
  readonly preliminaryFiledOn?: string;
  /** Reporter settings by controller id. @default none */
  readonly reporters?: Readonly<Record<string, BreachReporterSetting | undefined>>;
}

function intro(stage: BreachStage, linked: LinkedReport): string {
  return stage === 'preliminary'
    ? `漏えい等報告（速報）。速報時点で把握している内容を記載し、調査中の事項は確報（報告番号 ${linked.reportId}）で報告する。`
    : `漏えい等報告（確報）。速報（報告番号 ${linked.reportId}、提出日 ${
        linked.filedOn === undefined ? '【要記入】' : japaneseDay(linked.filedOn)
      }）の内容を更新し、全ての事項を報告する。`;
}

function controllerOf(controllers: readonly Controller[], c: ControllerAssessment): Controller {
  return (
    controllers.find((x) => x.id === c.controllerId) ?? {
      id: c.controllerId,
      name: { ja: c.controllerName, en: c.controllerId },
      address: '',
      representative: '',
      requestContact: '',
      complaintContact: '',
      publicBody: c.publicBody,
      securityMeasures: [],
    }
  );
}

/**
 * The 速報 and 確報 drafts of every controller of an assessment, in
 * controller order then stage order. Each report id comes from the breach
 * id, the controller and the stage, so a later run with the same discovery
 * time links to the same 速報.
 * @example
 * ppcReportDrafts(assessment, catalogue.controllers, { stages: ['final'],
 *   preliminaryFiledOn: '2026-11-24' })
 */
export function ppcReportDrafts(
  assessment: BreachAssessment,
  controllers: readonly Controller[],
  options: PpcReportOptions = {},
): PpcReportDraft[] {
  const { flags } = assessment;
  const breachId = options.breachId ?? breachIdOf(flags.discoveredAt);
  const stages = options.stages ?? ['preliminary', 'final'];
  const draftedOn = jstDate(new Date(assessment.assessedAt));
  return assessment.controllers.flatMap((c) => {
    const controller = controllerOf(controllers, c);
    const setting = options.reporters?.[c.controllerId];
    const header = reporterHeader(controller, setting);
    const delegatedTo = options.delegatedTo ?? setting?.delegatedTo;
    const routes = breachRoutes({
      publicBody: c.publicBody,
      appiReport: c.reportRequired,
      myNumberReport: c.myNumberReportRequired,
      ...(delegatedTo === undefined ? {} : { delegatedTo }),
    });
    const deadlines = c.deadlines ?? breachDeadlines(new Date(flags.discoveredAt), flags.improperPurpose);
    return stages.map((stage): PpcReportDraft => {
      const other: BreachStage = stage === 'preliminary' ? 'final' : 'preliminary';
      const linked: LinkedReport = {
        stage: other,
        reportId: reportIdOf(breachId, c.controllerId, other),
        ...(stage === 'final' && options.preliminaryFiledOn !== undefined
          ? { filedOn: options.preliminaryFiledOn }
          : {}),
      };
      return {
        stage,
        stageJa: STAGE_LABELS[stage],
        breachId,
        reportId: reportIdOf(breachId, c.controllerId, stage),
        linked,
        controllerId: c.controllerId,
        publicBody: c.publicBody,
        draftedOn,
        header,
        routes,
        required: c.reportRequired || c.myNumberReportRequired,
        deadline: stageDeadline(deadlines, stage),
        deadlines,
        ...(flags.occurredAt === undefined ? {} : { occurredAt: flags.occurredAt }),
        manners: flags.manners ?? [],
        intro: intro(stage, linked),
        items: c.draft,
        toFill:
          header.filter((h) => h.toFill).length +
          c.draft.filter((d) => d.toFill).length +
          (stage === 'final' && linked.filedOn === undefined ? 1 : 0),
      };
    });
  });
}
