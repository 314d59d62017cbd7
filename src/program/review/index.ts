export { reviewHtml, reviewMarkdown, scoreDelta, trendSvg } from './report.js';
export type { ReviewBreach, ReviewDenyCandidate, ReviewFacts, ReviewPath, ReviewRegression, ReviewScorePoint } from './report.js';
