/**
 * What the detection engine needs from storage: the document methods of the store (`palisade`'s `Store` has them,
 * so the CLI passes the real store; tests may pass any object with the same four methods). Protection does not
 * import the store module: the interface is structural.
 */
export interface StoredDocumentLike<T> {
  key: string;
  body: T;
}

export interface DetectionStateStore {
  putDocument<T = unknown>(collection: string, key: string, body: T): Promise<void>;
  getDocument<T = unknown>(collection: string, key: string): Promise<T | undefined>;
  listDocuments<T = unknown>(collection: string): Promise<Array<StoredDocumentLike<T>>>;
  deleteDocument(collection: string, key: string): Promise<boolean>;
}

/** Alerts, one document per alert (key: the alert name, i.e. its systemAlertId). */
export const ALERTS_COLLECTION = 'security-alerts';
/** Engine state: one document per stateful unit, plus `engine` (progress, open-alert index). */
export const DETECTION_STATE_COLLECTION = 'detection-state';
