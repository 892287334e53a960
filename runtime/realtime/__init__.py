"""Live updates to browsers over Django Channels (websockets): `publish` (group names, message wire form,
publish after commit) and `layer` (the Redis pub/sub layer backend and its outage repair).

"Realtime", not "channels": in this project a channel is a messenger channel (runtime.models.Channel).
"""
