import type { ServerResponse } from 'node:http';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PAGE_ASSETS, type PageAssets } from './page-assets';
import { setPageHeaders } from './page-headers';

/** The live status page at `/` on the admin port: one HTML file, one script, one stylesheet. */
// The page's files are not API: left out of the OpenAPI document.
@ApiExcludeController()
@Controller()
export class PageController {
  constructor(@Inject(PAGE_ASSETS) private readonly assets: PageAssets | undefined) {}

  @Get()
  index(@Res() res: ServerResponse): void {
    this.send(res, 'text/html; charset=utf-8', (a) => a.html);
  }

  @Get('page/app.js')
  script(@Res() res: ServerResponse): void {
    this.send(res, 'text/javascript; charset=utf-8', (a) => a.js);
  }

  @Get('page/app.css')
  style(@Res() res: ServerResponse): void {
    this.send(res, 'text/css; charset=utf-8', (a) => a.css);
  }

  private send(res: ServerResponse, contentType: string, pick: (assets: PageAssets) => string): void {
    if (!this.assets) {
      res.statusCode = 503;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ error: 'the status page is not in this build (run npm run build)' }));
      return;
    }
    setPageHeaders(res, contentType);
    res.end(pick(this.assets));
  }
}
