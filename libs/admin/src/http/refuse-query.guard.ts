import { BadRequestException, type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';

/**
 * For admin API routes that take no query parameters: any parameter is refused with 400
 * `invalid_argument` and one `details` entry per name, in the words ValidationPipe uses for the
 * routes with a query DTO ("property x should not exist"), so a typo (`?sate=active`) is never
 * silently ignored (docs/admin-api.md, Conventions).
 * @throws BadRequestException when the request has a query parameter.
 */
@Injectable()
export class RefuseQueryGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const query = context.switchToHttp().getRequest<{ query?: Record<string, unknown> }>().query ?? {};
    const names = Object.keys(query);
    if (names.length > 0) throw new BadRequestException(names.map((name) => `property ${name} should not exist`));
    return true;
  }
}
