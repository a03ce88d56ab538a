/** The files of a tree run's folder: the final model, each fold's model, and which fold held out each drive. */
export const GBDT_FILE = 'gbdt.json';
export const FOLDS_FILE = 'folds.json';
export const foldFile = (k: number): string => `gbdt-fold-${k + 1}.json`;
/** The final model in XGBoost's JSON format, for Python. */
export const XGBOOST_FILE = 'gbdt.xgboost.json';
/** A cross-validated network's fold K (1-based), in the tfjs layers format. */
export const networkFoldDir = (k: number): string => `fold-${k + 1}`;
