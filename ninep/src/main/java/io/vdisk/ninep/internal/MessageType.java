package io.vdisk.ninep.internal;

import io.netty.buffer.ByteBuf;

/**
 * Every 9P2000 and 9P2000.L message type with its wire number and body decoder, and a lookup
 * table from the type byte. T-messages are even, their R-message is the next number. Immutable.
 */
public enum MessageType {
    TLERROR(6, MessageType::invalid), RLERROR(7, SessionMessages.Rlerror::decode), TSTATFS(8,
        SessionMessages.FidRequest::decode), RSTATFS(9, LinuxMessages.Rstatfs::decode), TLOPEN(
            12,
            IoMessages.Topen::decode), RLOPEN(13, IoMessages.OpenReply::decode), TLCREATE(
                14, LinuxMessages.Tcreate::decode), RLCREATE(15,
                    IoMessages.OpenReply::decode), TSYMLINK(16,
                        LinuxMessages.Tsymlink::decode), RSYMLINK(17,
                            SessionMessages.QidReply::decode), TMKNOD(18,
                                LinuxMessages.Tcreate::decode), RMKNOD(
                                    19,
                                    SessionMessages.QidReply::decode), TRENAME(
                                        20,
                                        LinuxMessages.TwoFids::decode), RRENAME(
                                            21,
                                            SessionMessages.Empty::decode), TREADLINK(
                                                22,
                                                SessionMessages.FidRequest::decode), RREADLINK(
                                                    23,
                                                    LinuxMessages.Rreadlink::decode), TGETATTR(
                                                        24,
                                                        LinuxMessages.Tgetattr::decode), RGETATTR(
                                                            25,
                                                            LinuxMessages.Rgetattr::decode), TSETATTR(
                                                                26,
                                                                LinuxMessages.Tsetattr::decode), RSETATTR(
                                                                    27,
                                                                    SessionMessages.Empty::decode), TXATTRWALK(
                                                                        30,
                                                                        LinuxMessages.TwoFids::decode), RXATTRWALK(
                                                                            31,
                                                                            LinuxMessages.Rxattrwalk::decode), TXATTRCREATE(
                                                                                32,
                                                                                LinuxMessages.Txattrcreate::decode), RXATTRCREATE(
                                                                                    33,
                                                                                    SessionMessages.Empty::decode), TREADDIR(
                                                                                        40,
                                                                                        IoMessages.Tread::decode), RREADDIR(
                                                                                            41,
                                                                                            IoMessages.Rread::decode), TFSYNC(
                                                                                                50,
                                                                                                IoMessages.Tfsync::decode), RFSYNC(
                                                                                                    51,
                                                                                                    SessionMessages.Empty::decode), TLOCK(
                                                                                                        52,
                                                                                                        LinuxMessages.LockMessage::decode), RLOCK(
                                                                                                            53,
                                                                                                            LinuxMessages.Rlock::decode), TGETLOCK(
                                                                                                                54,
                                                                                                                LinuxMessages.LockMessage::decode), RGETLOCK(
                                                                                                                    55,
                                                                                                                    LinuxMessages.LockMessage::decode), TLINK(
                                                                                                                        70,
                                                                                                                        LinuxMessages.TwoFids::decode), RLINK(
                                                                                                                            71,
                                                                                                                            SessionMessages.Empty::decode), TMKDIR(
                                                                                                                                72,
                                                                                                                                LinuxMessages.Tcreate::decode), RMKDIR(
                                                                                                                                    73,
                                                                                                                                    SessionMessages.QidReply::decode), TRENAMEAT(
                                                                                                                                        74,
                                                                                                                                        LinuxMessages.Trenameat::decode), RRENAMEAT(
                                                                                                                                            75,
                                                                                                                                            SessionMessages.Empty::decode), TUNLINKAT(
                                                                                                                                                76,
                                                                                                                                                LinuxMessages.Tunlinkat::decode), RUNLINKAT(
                                                                                                                                                    77,
                                                                                                                                                    SessionMessages.Empty::decode), TVERSION(
                                                                                                                                                        100,
                                                                                                                                                        SessionMessages.Version::decode), RVERSION(
                                                                                                                                                            101,
                                                                                                                                                            SessionMessages.Version::decode), TAUTH(
                                                                                                                                                                102,
                                                                                                                                                                SessionMessages.Tattach::decode), RAUTH(
                                                                                                                                                                    103,
                                                                                                                                                                    SessionMessages.QidReply::decode), TATTACH(
                                                                                                                                                                        104,
                                                                                                                                                                        SessionMessages.Tattach::decode), RATTACH(
                                                                                                                                                                            105,
                                                                                                                                                                            SessionMessages.QidReply::decode), TERROR(
                                                                                                                                                                                106,
                                                                                                                                                                                MessageType::invalid), RERROR(
                                                                                                                                                                                    107,
                                                                                                                                                                                    SessionMessages.Rerror::decode), TFLUSH(
                                                                                                                                                                                        108,
                                                                                                                                                                                        SessionMessages.Tflush::decode), RFLUSH(
                                                                                                                                                                                            109,
                                                                                                                                                                                            SessionMessages.Empty::decode), TWALK(
                                                                                                                                                                                                110,
                                                                                                                                                                                                IoMessages.Twalk::decode), RWALK(
                                                                                                                                                                                                    111,
                                                                                                                                                                                                    IoMessages.Rwalk::decode), TOPEN(
                                                                                                                                                                                                        112,
                                                                                                                                                                                                        IoMessages.Topen::decode), ROPEN(
                                                                                                                                                                                                            113,
                                                                                                                                                                                                            IoMessages.OpenReply::decode), TCREATE(
                                                                                                                                                                                                                114,
                                                                                                                                                                                                                ClassicMessages.Tcreate::decode), RCREATE(
                                                                                                                                                                                                                    115,
                                                                                                                                                                                                                    IoMessages.OpenReply::decode), TREAD(
                                                                                                                                                                                                                        116,
                                                                                                                                                                                                                        IoMessages.Tread::decode), RREAD(
                                                                                                                                                                                                                            117,
                                                                                                                                                                                                                            IoMessages.Rread::decode), TWRITE(
                                                                                                                                                                                                                                118,
                                                                                                                                                                                                                                IoMessages.Twrite::decode), RWRITE(
                                                                                                                                                                                                                                    119,
                                                                                                                                                                                                                                    IoMessages.Rwrite::decode), TCLUNK(
                                                                                                                                                                                                                                        120,
                                                                                                                                                                                                                                        SessionMessages.FidRequest::decode), RCLUNK(
                                                                                                                                                                                                                                            121,
                                                                                                                                                                                                                                            SessionMessages.Empty::decode), TREMOVE(
                                                                                                                                                                                                                                                122,
                                                                                                                                                                                                                                                SessionMessages.FidRequest::decode), RREMOVE(
                                                                                                                                                                                                                                                    123,
                                                                                                                                                                                                                                                    SessionMessages.Empty::decode), TSTAT(
                                                                                                                                                                                                                                                        124,
                                                                                                                                                                                                                                                        SessionMessages.FidRequest::decode), RSTAT(
                                                                                                                                                                                                                                                            125,
                                                                                                                                                                                                                                                            ClassicMessages.Rstat::decode), TWSTAT(
                                                                                                                                                                                                                                                                126,
                                                                                                                                                                                                                                                                ClassicMessages.Twstat::decode), RWSTAT(
                                                                                                                                                                                                                                                                    127,
                                                                                                                                                                                                                                                                    SessionMessages.Empty::decode);

    /** Decodes the body of one message type; the buffer is bounded by the frame. */
    @FunctionalInterface
    interface BodyDecoder {
        Message decode(MessageType type, ByteBuf body);
    }

    private static final MessageType[] BY_ID = new MessageType[256];
    static {
        for (MessageType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final BodyDecoder decoder;

    MessageType(int id, BodyDecoder decoder) {
        this.id = id;
        this.decoder = decoder;
    }

    /** @return the wire number */
    public int id() {
        return id;
    }

    /** @return whether this is a request (T-message) */
    public boolean isRequest() {
        return (id & 1) == 0;
    }

    /** @return the reply type of a request */
    public MessageType reply() {
        return BY_ID[id + 1];
    }

    /**
     * @param id a type byte
     * @return its type, or null if unknown
     */
    public static MessageType of(int id) {
        return BY_ID[id & 0xff];
    }

    /** Decodes a body of this type. */
    public Message decode(ByteBuf body) {
        return decoder.decode(this, body);
    }

    private static Message invalid(MessageType t, ByteBuf in) {
        throw new MalformedFrameException(io.vdisk.ninep.Errno.EOPNOTSUPP, t + " is not a request");
    }
}
