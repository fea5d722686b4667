// Names for rename tests: the service's own (package.json's, SERVICE_NAME) and another one to rename a copy to,
// which is never the service's own, whatever a fork called it.
import { SERVICE_NAME } from '../../src/common/package-info.js';

export { SERVICE_NAME };

/** A valid service name that differs from SERVICE_NAME. */
export const OTHER_NAME: string = SERVICE_NAME === 'flavor-names' ? 'volume-names' : 'flavor-names';
