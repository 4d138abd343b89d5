// What skaffold builds for an image: its artifact, the Dockerfile read with
// the artifact's build arguments (the services share one, told apart by
// SERVICE), the ignore file BuildKit reads for it, the target stage.
import fs from 'node:fs';
import path from 'node:path';
import { Dockerfile, parseDockerfile } from './dockerfile';
import { imageOf, readRepoFile, repoPath } from './repo';
import { applyProfiles, Artifact, loadSkaffold } from './skaffold';

export interface ImageBuild {
  artifact: Artifact;
  /** Repository-relative path of the Dockerfile. */
  dockerfilePath: string;
  /** Repository-relative path of the ignore file BuildKit reads for it. */
  ignoreFile: string;
  buildArgs: Record<string, string>;
  /** The Dockerfile as BuildKit reads it with these build arguments. */
  dockerfile: Dockerfile;
  /** The stage built: the artifact's target, else the last stage. */
  target: string;
}

/**
 * BuildKit's ignore file for a Dockerfile: `<Dockerfile>.dockerignore` beside
 * it, else the context's `.dockerignore`. The first when neither exists.
 */
export function ignoreFileOf(dockerfilePath: string, context = '.'): string {
  const own = `${dockerfilePath}.dockerignore`;
  const shared = path.posix.join(context, '.dockerignore');
  return !fs.existsSync(repoPath(own)) && fs.existsSync(repoPath(shared)) ? shared : own;
}

/** The build of an image (`auth`, …, `client`) with these skaffold profiles applied. */
export function imageBuild(name: string, profiles: string[] = []): ImageBuild {
  const artifact = applyProfiles(loadSkaffold(), profiles).build.artifacts.find((a) => a.image === imageOf(name));
  if (!artifact) throw new Error(`skaffold.yaml builds no ${imageOf(name)}`);
  const context = artifact.context ?? '.';
  const dockerfilePath = path.posix.join(context, artifact.docker?.dockerfile ?? 'Dockerfile');
  const buildArgs = artifact.docker?.buildArgs ?? {};
  const dockerfile = parseDockerfile(readRepoFile(dockerfilePath), buildArgs);
  return {
    artifact,
    dockerfilePath,
    ignoreFile: ignoreFileOf(dockerfilePath, context),
    buildArgs,
    dockerfile,
    target: artifact.docker?.target ?? dockerfile.stages[dockerfile.stages.length - 1].name,
  };
}
