// Kubernetes schema checks without a cluster, from the `kubernetes-models`
// package (generated from the Kubernetes OpenAPI spec):
//  - types, formats, enums and required fields: the package's own JSON-schema
//    validators (`new Deployment(obj).validate()`);
//  - unknown fields: those validators allow extra properties, so the object
//    is also walked against the package's TypeScript interfaces with the
//    TypeScript compiler (the same spec, as types), and every key that is not
//    a property of its type is reported with its path. A misspelt
//    `readinesProbe` or a field at the wrong level fails here, as it would
//    fail `kubectl apply --validate=strict`.
import path from 'node:path';
import ts from 'typescript';
import { isObject } from './repo';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** `apps/v1` + `Deployment` -> the module of kubernetes-models that models it. */
const modulePath = (apiVersion: string, kind: string) => `kubernetes-models/${apiVersion}/${kind}`;

/** Is this apiVersion/kind one that kubernetes-models knows? */
export function isKnownKind(apiVersion: string, kind: string): boolean {
  try {
    require.resolve(modulePath(apiVersion, kind));
    return true;
  } catch {
    return false;
  }
}

/** Schema errors (types, formats, required fields, enums) of one object; [] when valid. */
export function schemaErrors(obj: K8sObject): string[] {
  if (!isKnownKind(obj.apiVersion, obj.kind)) return [`unknown apiVersion/kind ${obj.apiVersion} ${obj.kind}`];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Model = require(modulePath(obj.apiVersion, obj.kind))[obj.kind];
  try {
    new Model(obj).validate();
    return [];
  } catch (err) {
    return String((err as Error).message)
      .split(', data')
      .map((m, i) => (i === 0 ? m : `data${m}`));
  }
}

/** Builds one TypeScript program over the interfaces of the given kinds. */
class TypeIndex {
  private readonly checker: ts.TypeChecker;
  private readonly types = new Map<string, ts.Type>();

  constructor(kinds: Array<{ apiVersion: string; kind: string }>) {
    const unique = [...new Map(kinds.map((k) => [`${k.apiVersion}/${k.kind}`, k])).values()];
    const lines = unique.map(
      (k, i) => `import type { I${k.kind} as T${i} } from '${modulePath(k.apiVersion, k.kind)}';\nexport type X${i} = T${i};`,
    );
    // A file that exists only in memory, placed in infra/src so that module
    // resolution finds infra's node_modules.
    const fileName = path.join(__dirname, '__k8s_types__.ts');
    const host = ts.createCompilerHost({});
    const getSourceFile = host.getSourceFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.getSourceFile = (name, languageVersion, ...rest) =>
      name === fileName ? ts.createSourceFile(name, lines.join('\n'), languageVersion) : getSourceFile(name, languageVersion, ...rest);
    host.fileExists = (name) => name === fileName || fileExists(name);
    const program = ts.createProgram(
      [fileName],
      { noEmit: true, skipLibCheck: true, types: [], moduleResolution: ts.ModuleResolutionKind.Node10, strict: true },
      host,
    );
    const source = program.getSourceFile(fileName)!;
    const problems = program.getSemanticDiagnostics(source);
    if (problems.length) {
      throw new Error(problems.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'));
    }
    this.checker = program.getTypeChecker();
    source.statements.filter(ts.isTypeAliasDeclaration).forEach((decl, i) => {
      const k = unique[i];
      this.types.set(`${k.apiVersion}/${k.kind}`, this.checker.getTypeAtLocation(decl.name));
    });
  }

  unknownFields(obj: K8sObject): string[] {
    const type = this.types.get(`${obj.apiVersion}/${obj.kind}`);
    if (!type) return [`no type for ${obj.apiVersion}/${obj.kind}`];
    const problems: string[] = [];
    this.walk(obj, type, '', problems);
    return problems;
  }

  private walk(value: unknown, declared: ts.Type, at: string, problems: string[]): void {
    if (value === null || typeof value !== 'object') return; // scalars: the schema validator checks them
    const type = this.checker.getNonNullableType(declared);
    if (Array.isArray(value)) {
      const element = this.checker.getIndexTypeOfType(type, ts.IndexKind.Number);
      if (!element) {
        problems.push(`${at || '/'}: a list where the schema has ${this.checker.typeToString(type)}`);
        return;
      }
      value.forEach((item, i) => this.walk(item, element, `${at}[${i}]`, problems));
      return;
    }
    const candidates = type.isUnion() ? type.types : [type];
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      let childType: ts.Type | undefined;
      for (const candidate of candidates) {
        const prop = candidate.getProperty(key);
        if (prop) {
          childType = this.checker.getTypeOfSymbol(prop);
          break;
        }
        const index = this.checker.getIndexTypeOfType(candidate, ts.IndexKind.String);
        if (index) {
          childType = index;
          break;
        }
      }
      if (!childType) {
        problems.push(`${at}.${key}: unknown field`);
        continue;
      }
      this.walk(child, childType, `${at}.${key}`, problems);
    }
  }
}

let index: TypeIndex | undefined;
let indexedKinds = new Set<string>();

/** Fields of `obj` that its Kubernetes type does not have, as `.spec.template...` paths. */
export function unknownFields(objects: K8sObject[], obj: K8sObject): string[] {
  const wanted = new Set(objects.map((o) => `${o.apiVersion}/${o.kind}`));
  if (!index || [...wanted].some((k) => !indexedKinds.has(k))) {
    index = new TypeIndex(objects.filter((o) => isKnownKind(o.apiVersion, o.kind)));
    indexedKinds = wanted;
  }
  return index.unknownFields(obj);
}

/** A minimal shape check before anything else: a Kubernetes object has these. */
export function isK8sObject(doc: unknown): doc is K8sObject {
  return (
    isObject(doc) &&
    typeof doc.apiVersion === 'string' &&
    typeof doc.kind === 'string' &&
    isObject(doc.metadata) &&
    typeof doc.metadata.name === 'string'
  );
}
