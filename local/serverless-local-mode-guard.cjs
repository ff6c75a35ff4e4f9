// Serverless plugin: local mode (PAGOS_LOCAL_MODE=true: loopback notification URLs, the local
// table, settings from this shell) is for `npm start` (stage "local") only. Packaging or deploying
// any other stage with it on fails before anything is built, naming the setting.
class LocalModeGuard {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { initialize: () => this.check() };
  }

  check() {
    const { service } = this.serverless;
    const localMode = String(service.custom?.localMode) === 'true';
    const stage = service.provider.stage;
    if (localMode && stage !== 'local') {
      throw new this.serverless.classes.Error(
        `PAGOS_LOCAL_MODE=true is only for the local stage (npm start), not "${stage}": it allows ` +
          'loopback notification URLs, the local table and settings from this shell. Unset PAGOS_LOCAL_MODE ' +
          'to package or deploy.',
      );
    }
  }
}

module.exports = LocalModeGuard;
