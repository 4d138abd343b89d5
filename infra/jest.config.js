// The infra suite: manifests, skaffold, Dockerfiles and workflows checked
// without a cluster, and each service's production image layout started
// with node. Files run one at a time: the production-image test installs
// and starts services and wants the machine to itself.
module.exports = {
  ...require('../jest.preset.js'),
  maxWorkers: 1,
};
