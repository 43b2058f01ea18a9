// The kinds of socket a listener can be; what a URL scheme names.
#pragma once

namespace echo::core {

enum class transport { tcp, udp, unix_stream };

}  // namespace echo::core
