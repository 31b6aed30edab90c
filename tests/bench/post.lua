-- wrk script: POST the JSON body given in WRK_BODY (no Content-Type, as the seed's curl).
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY")
