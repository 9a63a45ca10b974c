/** The part of the platform's (Express) response object the admin controllers use. */
export interface HttpResponse {
  status(code: number): this;
  type(contentType: string): this;
  json(body: unknown): void;
  send(body: string): void;
}
