-- wrk: POST /report as the form does (multipart) with one photo ($PHOTO), each with a new
-- submission id, so every request stores a tip.
local f = assert(io.open(os.getenv("PHOTO"), "rb"))
local photo = f:read("*a")
f:close()
local boundary = "tipline-bench-boundary"
local function field(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end
local head = field("sector", "fire_safety") .. field("street", "jiangtou")
  .. field("address", "江头北路216号负一楼") .. field("description", "地下车库消防通道被杂物堵死，消防车进不来。")
  .. field("severity", "general") .. field("anonymous", "on")
local tail = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"cam.jpg\"\r\n"
  .. "Content-Type: image/jpeg\r\n\r\n" .. photo .. "\r\n--" .. boundary .. "--\r\n"
local headers = { ["Content-Type"] = "multipart/form-data; boundary=" .. boundary }
local n = 0
math.randomseed(os.time())
local run = math.random(0, 0x7fffffff)
request = function()
  n = n + 1
  local id = string.format("bench%08x%08x%08x", run, n, math.random(0, 0x7fffffff))
  return wrk.format("POST", "/report", headers, head .. field("submission_id", id) .. tail)
end
