/**
 * Checks HTTP exchanges with the forge against Gitea's published API description — the real
 * Swagger 2.0 file in `test/fixtures/gitea/` — so neither the forge double nor the REST client can
 * drift from the real API. The file is converted to OpenAPI 3 (swagger2openapi) and validated
 * with openapi-backend (Ajv); nothing here re-implements a schema check.
 *
 * Three adjustments make the description say what the server really sends, each because the
 * swagger is generated from Go structs and cannot express it:
 * - `basePath` is a template (`{{.SwaggerAppSubUrl}}/api/v1`); it becomes `/api/v1`.
 * - Go pointers and slices marshal as `null` when unset (`milestone`, `assignees`,
 *   `pull_request` on a plain issue, `requested_reviewers`), which the swagger never marks
 *   nullable: object references and arrays accept `null`, and so do the few scalar pointer
 *   fields listed in `NULLABLE_SCALARS`. Everything else keeps its type and format.
 * - A 401 is documented on no operation, yet every one answers it without credentials; and every
 *   operation answers a token that lacks the scope its path needs with a 403 "token does not have
 *   at least one of required scope(s)" (Gitea's `tokenRequiresScopes`), which the swagger
 *   documents only here and there. A 403 for any other reason must still be documented.
 * - A handler that answers another status than its swagger comment says (`ANSWERED_AS`): Gitea's
 *   and Forgejo's `RemoveIssueDependency` write `201` where the comment documents `200`, and
 *   `MergePullRequest` answers a merge scheduled for when checks succeed with `201`; the body
 *   is checked against what is documented for the status it stands for.
 * - A caller's mistake a handler answers with an undocumented 500 (`SERVER_ERRORS`): adding a
 *   dependency that exists (or whose reverse does), removing one that does not
 *   (`issues_model.CreateIssueDependency`'s errors go to `ctx.Error(500, …)`).
 * Formats are checked (`date-time` as RFC 3339, `int64` in range); `email` is not, since Gitea
 * sends `""` for a hidden address.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import s2o from 'swagger2openapi';
import { OpenAPIBackend, ValidationContext, type Operation } from 'openapi-backend';
import type { OpenAPIV3 } from 'openapi-types';

export interface OpenApiViolation {
  readonly direction: 'request' | 'response';
  readonly method: string;
  readonly path: string;
  readonly operationId?: string;
  readonly status?: number;
  readonly message: string;
}

export interface CheckedRequest {
  readonly method: string;
  /** Path as sent, with `/api/v1` and without the query. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | string[]>>;
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
  readonly body?: unknown;
}

export interface CheckedResponse {
  readonly status: number;
  /** Parsed JSON, or undefined for an empty body. */
  readonly body?: unknown;
}

export interface OpenApiChecker {
  checkRequest(request: CheckedRequest): OpenApiViolation[];
  checkResponse(request: Pick<CheckedRequest, 'method' | 'path'>, response: CheckedResponse): OpenApiViolation[];
  /** Problems of `value` as a `#/definitions/<name>` (`Issue`, `Comment`, …); empty when it fits. */
  checkSchema(name: string, value: unknown): string[];
}

export const GITEA_SWAGGER_PATH = fileURLToPath(new URL('../../fixtures/gitea/gitea-swagger.v1.json', import.meta.url));

const NULLABLE_SCALARS = new Set(['closed_at', 'due_date', 'merged_at', 'merge_commit_sha']);

/** Operations whose handler answers some of the caller's mistakes with a 500 the swagger leaves out. */
const SERVER_ERRORS = new Set(['issueCreateIssueDependencies', 'issueRemoveIssueDependencies']);

/** `operationId` → the status the real server answers → the documented status it stands for. */
const ANSWERED_AS: Readonly<Record<string, Readonly<Record<number, number>>>> = {
  issueRemoveIssueDependencies: { 201: 200 },
  repoMergePullRequest: { 201: 200 },
};

// Converting 300 paths takes a while and the checker keeps no per-test state, so one checker per
// swagger file serves every double in the test process (its lazily compiled validators too).
const checkers = new Map<string, Promise<OpenApiChecker>>();

export function createOpenApiChecker(options: { swaggerPath?: string } = {}): Promise<OpenApiChecker> {
  const path = options.swaggerPath ?? GITEA_SWAGGER_PATH;
  let checker = checkers.get(path);
  if (checker === undefined) {
    checker = buildChecker(path);
    checkers.set(path, checker);
  }
  return checker;
}

async function buildChecker(swaggerPath: string): Promise<OpenApiChecker> {
  const swagger = JSON.parse(await readFile(swaggerPath, 'utf8')) as { basePath?: string; info: { version: string } };
  swagger.basePath = '/api/v1';
  swagger.info.version = '1';
  const { openapi } = await s2o.convertObj(swagger as never, { patch: true, warnOnly: true });
  allowGoNulls(openapi);
  // The backend dereferences its copy in place; definitions are compiled from the original,
  // where recursion (a repository's `parent`) is still a `$ref` Ajv can follow.
  const components = structuredClone(openapi.components);
  const api: OpenAPIBackend = new OpenAPIBackend({
    definition: structuredClone(openapi) as never,
    apiRoot: '/api/v1',
    quick: true,
    ajvOpts: { allErrors: true, logger: false },
    customizeAjv: (ajv) => ajv.addFormat('date-time', RFC3339).addFormat('email', () => true),
  });
  await api.init();
  const schemaAjv = api.validator.getAjv(ValidationContext.Response).addSchema({ $id: 'gitea', components }, 'gitea');

  const operationOf = (method: string, path: string): Operation | undefined =>
    api.router.matchOperation({ method: method.toLowerCase(), path, headers: {} });

  return {
    checkRequest(request) {
      const base = { direction: 'request' as const, method: request.method, path: request.path };
      const operation = operationOf(request.method, request.path);
      if (operation === undefined) return [{ ...base, message: 'no such operation in the Gitea API' }];
      const headers = Object.fromEntries(
        Object.entries(request.headers ?? {}).filter(
          (entry): entry is [string, string | string[]] => entry[1] !== undefined,
        ),
      );
      const result = api.validator.validateRequest(
        {
          method: request.method.toLowerCase(),
          path: request.path,
          query: { ...request.query },
          headers,
          body: request.body as never,
        },
        operation,
      );
      return (result.errors ?? []).map((error) => ({
        ...base,
        operationId: operation.operationId,
        message: `${error.instancePath || '/'} ${error.message ?? error.keyword}`,
      }));
    },
    checkResponse(request, response) {
      const base = {
        direction: 'response' as const,
        method: request.method,
        path: request.path,
        status: response.status,
      };
      const operation = operationOf(request.method, request.path);
      if (operation === undefined) return [{ ...base, message: 'no such operation in the Gitea API' }];
      const status =
        operation.responses?.[String(response.status)] === undefined
          ? (ANSWERED_AS[operation.operationId ?? '']?.[response.status] ?? response.status)
          : response.status;
      const documented = operation.responses?.[String(status)] ?? operation.responses?.default;
      if (documented === undefined) {
        if (response.status === 401 || isScopeRefusal(response)) return [];
        if (response.status === 500 && SERVER_ERRORS.has(operation.operationId ?? '')) return [];
        const known = Object.keys(operation.responses ?? {}).join(', ');
        return [
          {
            ...base,
            operationId: operation.operationId,
            message: `status ${response.status} is not a documented answer (documented: ${known})`,
          },
        ];
      }
      if (!('content' in documented) || documented.content?.['application/json']?.schema === undefined) return [];
      const result = api.validator.validateResponse(response.body, operation, status);
      return (result.errors ?? []).map((error) => ({
        ...base,
        operationId: operation.operationId,
        message: `${error.instancePath || '/'} ${error.message ?? error.keyword}`,
      }));
    },
    checkSchema(name, value) {
      if (components?.schemas?.[name] === undefined) return [`no definition named ${name}`];
      const validate = schemaAjv.getSchema(`gitea#/components/schemas/${name}`);
      if (validate === undefined) return [`definition ${name} does not compile`];
      if (validate(value)) return [];
      return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? error.keyword}`);
    },
  };
}

function isScopeRefusal(response: CheckedResponse): boolean {
  const message =
    typeof response.body === 'object' && response.body !== null
      ? (response.body as { message?: unknown }).message
      : undefined;
  return response.status === 403 && typeof message === 'string' && /required scope\(s\)/.test(message);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

type SchemaOrRef = OpenAPIV3.SchemaObject | OpenAPIV3.ReferenceObject;

function allowGoNulls(document: OpenAPIV3.Document): void {
  for (const schema of Object.values(document.components?.schemas ?? {})) {
    if ('$ref' in schema || schema.properties === undefined) continue;
    const properties: Record<string, SchemaOrRef> = schema.properties;
    for (const [name, property] of Object.entries(properties)) {
      if ('$ref' in property) properties[name] = { anyOf: [property, { type: 'null' } as never] };
      else if (property.type === 'array' || NULLABLE_SCALARS.has(name)) property.nullable = true;
    }
  }
}
