import type { AddressInfo } from 'node:net';
import { Body, Controller, type INestApplication, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { noopLogger } from '@piko/observability';
import { ApiExceptionFilter } from './api-exception.filter';

@Controller()
class EchoController {
  @Post('echo')
  echo(@Body() body: unknown): unknown {
    return body;
  }

  @Post('boom')
  boom(): never {
    throw Object.assign(new Error('secret internal detail'), { status: 418, expose: false });
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

describe('ApiExceptionFilter on a real Nest app (its JSON body parser included)', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create(EchoModule, { logger: false });
    app.useGlobalFilters(new ApiExceptionFilter(noopLogger));
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(() => app.close());

  const post = (path: string, body: string, type = 'application/json'): Promise<Response> =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

  it('answers a body over the parser limit (100 KiB) 413 with a JSON error, not 500', async () => {
    const res = await post('/echo', JSON.stringify({ body: 'x'.repeat(200_000) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'request entity too large', code: 'invalid_argument' });
  });

  it('answers an unsupported charset 415 with a JSON error', async () => {
    const res = await post('/echo', '{}', 'application/json; charset=klingon');
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: 'unsupported charset "KLINGON"', code: 'invalid_argument' });
  });

  it('still answers malformed JSON 400 and a small body as usual', async () => {
    expect((await post('/echo', '{"a":')).status).toBe(400);
    const ok = await post('/echo', '{"a":1}');
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ a: 1 });
  });

  it('keeps an error not marked safe to expose a generic 500, its message not sent', async () => {
    const res = await post('/boom', '{}');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'internal error', code: 'internal' });
  });
});
