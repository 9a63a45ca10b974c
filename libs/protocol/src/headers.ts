/** Names the endpoint a proxied request is for (else the Host's first label is used). */
export const ENDPOINT_HEADER = 'x-piko-endpoint';
