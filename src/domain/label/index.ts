export type {
  Label,
  LabelAction,
  LabelCaller,
  LabelChanges,
  LabelField,
  LabelQuery,
  LabelScope,
  NewLabel,
} from './label.model.js';
export { hasAllLabels } from './label.repo.js';
export { LabelService } from './label.service.js';
