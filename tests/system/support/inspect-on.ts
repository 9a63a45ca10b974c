// Imported first by an inspection variant of a suite: see inspect-variant.ts.
import { enableInspectVariant } from './inspect-variant';

enableInspectVariant();
