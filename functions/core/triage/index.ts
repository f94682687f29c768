export {
  BUILTIN_CLASSIFIER_ID,
  BuiltinClassifier,
  classifyBuiltin,
  makeBuiltinClassifier,
} from './builtin-classifier.ts';
export type {
  Classifier,
  TenantTriageModel,
  Triage,
  TriageConfidence,
  TriageInput,
  Urgency,
} from './classifier.ts';
export { URGENCIES } from './classifier.ts';
export { classifyIntent, type IntentGuess, keywordScores } from './intent.ts';
export { detectLanguage, type LanguageGuess, SUPPORTED_LANGUAGES, UNDETERMINED } from './language.ts';
export {
  features,
  isNaiveBayesModel,
  type NaiveBayesModel,
  type Posterior,
  predictNaiveBayes,
  type TrainingExample,
  trainNaiveBayes,
} from './naive-bayes.ts';
export { type SentimentScore, scoreSentiment } from './sentiment.ts';
export { detectUrgency, type UrgencyGuess } from './urgency.ts';
