#ifndef CMICROHTTPD_SHIM_H
#define CMICROHTTPD_SHIM_H

#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

/* MHD_start_daemon is variadic, which Swift cannot call. This wrapper passes the
 * completion callback explicitly and every other option as one MHD_OPTION_ARRAY
 * (the way libhttpserver configures its daemon), so Swift builds a plain array. */
static inline struct MHD_Daemon *cmhd_start_daemon(unsigned int flags,
                                                   MHD_AccessHandlerCallback handler,
                                                   void *handler_cls,
                                                   MHD_RequestCompletedCallback completed,
                                                   void *completed_cls,
                                                   struct MHD_OptionItem *options) {
    return MHD_start_daemon(flags, 0, NULL, NULL, handler, handler_cls,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, completed_cls,
                            MHD_OPTION_ARRAY, options,
                            MHD_OPTION_END);
}

/* The two callbacks MHD_OPTION_ARRAY cannot carry typed from Swift (their option values are
 * function pointers, which an MHD_OptionItem holds as intptr_t plus a context pointer). */
typedef void *(*cmhd_uri_logger)(void *cls, const char *uri, struct MHD_Connection *connection);
static inline struct MHD_OptionItem cmhd_uri_log_option(cmhd_uri_logger logger, void *cls) {
    struct MHD_OptionItem item = { MHD_OPTION_URI_LOG_CALLBACK, (intptr_t) logger, cls };
    return item;
}
static inline struct MHD_OptionItem cmhd_notify_connection_option(MHD_NotifyConnectionCallback notify, void *cls) {
    struct MHD_OptionItem item = { MHD_OPTION_NOTIFY_CONNECTION, (intptr_t) notify, cls };
    return item;
}

/* The notification code is a plain C enum, which Swift imports without its case names. */
static inline int cmhd_connection_started(enum MHD_ConnectionNotificationCode code) {
    return code == MHD_CONNECTION_NOTIFY_STARTED;
}

/* MHD_get_connection_info is variadic: the socket descriptor, for closing a connection that
 * missed its deadline from another thread (shutdown(2) wakes its epoll loop, which closes it). */
static inline int cmhd_connection_fd(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : info->connect_fd;
}

/* ... and the per-connection context set by the connection-notify callback. */
static inline void *cmhd_socket_context(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info == NULL ? NULL : info->socket_context;
}

/* MHD_get_connection_info is variadic too; the client address is all we ask of it. */
static inline const struct sockaddr *cmhd_client_address(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return info == NULL ? NULL : info->client_addr;
}

/* MHD_FLAG values are an anonymous-width C enum; combining them in C keeps the Swift side free of casts. */
/* With TLS the daemon has no listening socket: the server's own door accepts each connection and
 * hands it over with MHD_add_connection once its first byte is a TLS handshake. */
static inline unsigned int cmhd_flags_epoll_pool(int tls) {
    unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (tls) flags |= MHD_USE_TLS | MHD_USE_NO_LISTEN_SOCKET;
    return flags;
}

/* libmicrohttpd's own messages (a TLS handshake that failed, say) come as a printf format and a
 * va_list, which Swift cannot take: this formats them into one line for a plain callback. */
struct cmhd_log_target {
    void (*log)(void *cls, const char *line);
    void *cls;
};
static void cmhd_format_log(void *target, const char *format, va_list arguments) {
    char line[512];
    vsnprintf(line, sizeof line, format, arguments);
    const struct cmhd_log_target *destination = (const struct cmhd_log_target *) target;
    destination->log(destination->cls, line);
}
static inline struct MHD_OptionItem cmhd_external_logger_option(struct cmhd_log_target *target) {
    struct MHD_OptionItem item = { MHD_OPTION_EXTERNAL_LOGGER, (intptr_t) cmhd_format_log, target };
    return item;
}

#endif
