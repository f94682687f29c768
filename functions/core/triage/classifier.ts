import type { NaiveBayesModel } from './naive-bayes.ts';

/** Urgency levels, lowest first. */
export const URGENCIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Urgency = (typeof URGENCIES)[number];

/** What a classifier sees of a ticket: its subject, its first (or latest) message, and the channel. */
export interface TriageInput {
  readonly subject: string;
  readonly body: string;
  readonly channel?: string;
  /** Whose ticket it is: not read to classify, only to meter a paid classifier's usage for that tenant. */
  readonly tenantId?: string;
}

/** Confidence in each field, from 0 (a guess) to 1 (certain). */
export interface TriageConfidence {
  readonly language: number;
  readonly sentiment: number;
  readonly intent: number;
  readonly urgency: number;
}

/** The triage stored on a ticket (`ticket.triage`). */
export interface Triage {
  /** ISO 639-1 code such as `es`, or `und` when the text is too short or not a supported language. */
  readonly language: string;
  /** -1 (angry) .. 0 (neutral) .. 1 (happy). */
  readonly sentiment: number;
  /** One of the tenant's intents, or null when nothing points to one. */
  readonly intent: string | null;
  readonly urgency: Urgency;
  readonly confidence: TriageConfidence;
  /** Which classifier decided, with its version, e.g. `builtin@1`; shown in the timeline as the reason. */
  readonly classifier: string;
}

/**
 * What a tenant taught the classifier: keywords and phrases per intent (matched accent- and case-insensitively,
 * each keyword word of 5+ letters also matches as a word prefix: `factur` matches `facturación`), and optionally a
 * naive Bayes model trained from its labelled past tickets (`trainNaiveBayes`).
 */
export interface TenantTriageModel {
  readonly keywords: Readonly<Record<string, readonly string[]>>;
  readonly naiveBayes?: NaiveBayesModel | null;
}

/** The port: the built-in classifier implements it, and so does the Bedrock adapter (which falls back to it). */
export interface Classifier {
  classify(input: TriageInput, context: TenantTriageModel): Promise<Triage>;
}
