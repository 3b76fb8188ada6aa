// @switchyard/actors: the proxy's actors (listener, parser, router, balancer, forwarder) and its HTTP wire layer.
export {};
