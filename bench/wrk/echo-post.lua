wrk.method = "POST"
wrk.body = '{"text":"hello from the bench","n":42}'
wrk.headers["Content-Type"] = "application/json"
