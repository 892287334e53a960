"""Live updates to browsers over Django Channels (websockets): `publish` (group names, message wire form,
publish after commit), `layer` (the Redis pub/sub layer backend and its outage repair) and `forward` (without
Redis, the task workers' events posted to the server's signed /internal/events/ view, `views`).

"Realtime", not "channels": in this project a channel is a messenger channel (runtime.models.Channel).
"""
