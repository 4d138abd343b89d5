// The infra suite: the manifests rendered, validated and applied to a real
// control plane, skaffold.yaml against skaffold's schema, the images built
// with buildah and run with runc, and the workflows. The tools come from
// scripts/k8s-tools.sh (globalSetup). Files run one at a time: the control
// plane and the image builds want the machine to themselves.
module.exports = {
  ...require('../jest.preset.js'),
  globalSetup: '<rootDir>/src/setup/tools.js',
  maxWorkers: 1,
};
