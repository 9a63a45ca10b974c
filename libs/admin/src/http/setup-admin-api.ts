import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type INestApplication, ValidationPipe } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { RequestAuthenticator } from '@piko/auth';
import { type Logger, pikoVersion } from '@piko/observability';
import { AdminModule } from '../admin.module';
import { adminAuthMiddleware } from './admin-auth';
import { ApiExceptionFilter } from './api-exception.filter';

export const OPENAPI_PATH = 'api/v1/openapi.json';
export const DOCS_PATH = 'api/v1/docs';

/**
 * Makes a Nest app that imports AdminModule serve the admin API properly; call before `init()`:
 * - `admin.auth` ahead of every route but `openPaths` (default /health, /ready; `publicRead`: GET
 *   routes open too, see adminAuthMiddleware);
 * - a global ValidationPipe (whitelist, forbidNonWhitelisted, transform): every query and path
 *   parameter is a class-validator DTO, and an unknown one is a 400 (one message per bad parameter);
 * - JSON errors with a code on every route (ApiExceptionFilter), Nest's unknown-route 404 included;
 * - the OpenAPI document at /api/v1/openapi.json and Swagger UI at /api/v1/docs, its assets
 *   served from the swagger-ui-dist package on this port (no CDN; the online validator badge off).
 *   The packed CLI (one bundled file) has no swagger-ui-dist files: there /api/v1/docs answers
 *   404 saying so, and the OpenAPI document is still served.
 */
export function setupAdminApi(
  app: INestApplication,
  options: { auth?: RequestAuthenticator; openPaths?: readonly string[]; publicRead: boolean; logger: Logger },
): void {
  if (options.auth) app.use(adminAuthMiddleware(options.auth, options.publicRead, options.openPaths));
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: true }));
  app.useGlobalFilters(new ApiExceptionFilter(options.logger));
  const config = new DocumentBuilder()
    .setTitle('Piko admin API')
    .setDescription('The cluster: nodes, endpoints, upstream sessions, drain and disconnect. See docs/admin-api.md.')
    .setVersion(pikoVersion())
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, { include: [AdminModule] });
  const ui = swaggerUiAssetsPresent();
  SwaggerModule.setup(DOCS_PATH, app, document, {
    ui,
    jsonDocumentUrl: OPENAPI_PATH,
    raw: ['json'],
    customSiteTitle: 'Piko admin API',
    swaggerOptions: { validatorUrl: null },
  });
  if (!ui) {
    app.getHttpAdapter().get(`/${DOCS_PATH}`, (_req: unknown, res: { status(code: number): { json(body: unknown): void } }) =>
      res.status(404).json({ error: `the docs page is not in this build of piko (no swagger-ui-dist); the OpenAPI document is at /${OPENAPI_PATH}`, code: 'not_found' }),
    );
  }
}

/** Whether swagger-ui-dist's files are on disk (they are in a checkout's node_modules, not in the bundled CLI). */
function swaggerUiAssetsPresent(): boolean {
  try {
    const dir = (require('swagger-ui-dist/absolute-path.js') as () => string)();
    return existsSync(join(dir, 'swagger-ui-bundle.js'));
  } catch {
    return false;
  }
}
