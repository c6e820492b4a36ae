import { packageBuild } from '../../tsup.base.js';

// shims: import.meta.url in the CommonJS build, to reach ari-client's own swagger-client.
export default packageBuild({ shims: true });
