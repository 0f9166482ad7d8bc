/*
 * erg/event.h: socket event bits, shared by every socket type.
 *
 * Events are delivered through one callback per socket, at safe points:
 * after the frame or timer that caused them is completely processed, never
 * in the middle of it. From the callback an application may call any
 * function of the API, on any socket, including closing this one.
 */
#ifndef ERG_EVENT_H
#define ERG_EVENT_H

#ifdef __cplusplus
extern "C" {
#endif

#define ERG_EV_READABLE 0x01u /* data (or a datagram) can be read */
#define ERG_EV_WRITABLE 0x02u /* room to send again (TCP; UDP never) */
#define ERG_EV_ERROR    0x04u /* a soft error is pending (ICMP) */

#ifdef __cplusplus
}
#endif
#endif
