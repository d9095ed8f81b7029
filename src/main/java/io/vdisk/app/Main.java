package io.vdisk.app;

/** Entry point of the {@code vdisk} command. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.err.println("vdisk: no commands yet");
        System.exit(2);
    }
}
