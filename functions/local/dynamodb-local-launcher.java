// Starts DynamoDB Local the way its own main does, with three changes the
// jar offers no option for (functions/local/dynamodb-local.ts compiles this
// file once into node_modules/.cache/wasure and runs the class, the jar on
// the class path; it falls back to Java's single-file source launcher):
//  1. the Jetty connector listens on 127.0.0.1 only (the jar binds 0.0.0.0);
//  2. the JVM ends itself when its parent process is gone: stdin (a pipe from
//     the parent) reaching end-of-file, or the parent pid changing, both mean
//     the wasure CLI died, even by kill -9, so no orphan JVM keeps the DB;
//  3. an exclusive OS file lock on LOCKFILE, so a second JVM can never open
//     the same database files beside a running one.
// Usage: java -cp DynamoDBLocal.jar:CLASSES DynamoDbLocalLauncher LOCKFILE|- ARGS...
//    or: java -cp DynamoDBLocal.jar dynamodb-local-launcher.java LOCKFILE|- ARGS...
// Only reflection is used, so the file compiles without Jetty on the path.
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

final class DynamoDbLocalLauncher {
  private static final String RUNNER = "software.amazon.dynamodb.services.local.main.ServerRunner";
  private static final String LOOPBACK = "127.0.0.1";
  // Held for the life of the JVM; the OS releases it when the process ends.
  private static FileLock dbLock;

  private DynamoDbLocalLauncher() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: LOCKFILE|- DYNAMODB_LOCAL_ARGS...");
      System.exit(2);
    }
    watchParent();
    if (!args[0].equals("-")) {
      FileChannel channel = FileChannel.open(
          Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      dbLock = channel.tryLock();
      if (dbLock == null) {
        System.err.println("another DynamoDB Local holds " + args[0]);
        System.exit(3);
      }
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    Object proxy = Class.forName(RUNNER)
        .getMethod("createServerFromCommandLineArgs", String[].class)
        .invoke(null, (Object) rest);
    Field field = proxy.getClass().getDeclaredField("server");
    field.setAccessible(true);
    Object jetty = field.get(proxy);
    Object[] connectors = (Object[]) jetty.getClass().getMethod("getConnectors").invoke(jetty);
    if (connectors.length == 0) {
      throw new IllegalStateException("DynamoDB Local created no connector to bind");
    }
    for (Object connector : connectors) {
      connector.getClass().getMethod("setHost", String.class).invoke(connector, LOOPBACK);
    }
    proxy.getClass().getMethod("start").invoke(proxy);
    System.out.println("WASURE-DYNAMODB-LOCAL-READY");
    System.out.flush();
  }

  private static void watchParent() {
    long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
    Thread stdin = new Thread(() -> {
      try {
        byte[] buffer = new byte[256];
        while (System.in.read(buffer) >= 0) {
          // The parent never writes; any data is ignored.
        }
      } catch (IOException ignored) {
        // A broken pipe means the same as end-of-file.
      }
      end("stdin closed: the parent process is gone");
    }, "wasure-stdin-watchdog");
    Thread poll = new Thread(() -> {
      for (;;) {
        long now = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        if (now != parent || !ProcessHandle.of(parent).map(ProcessHandle::isAlive).orElse(false)) {
          end("parent process " + parent + " is gone");
        }
        try {
          Thread.sleep(250);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "wasure-parent-watchdog");
    stdin.setDaemon(true);
    poll.setDaemon(true);
    stdin.start();
    poll.start();
  }

  private static synchronized void end(String why) {
    System.err.println("DynamoDB Local launcher: " + why + "; exiting");
    // Shutdown hooks close SQLite cleanly; halt if they hang.
    Thread halt = new Thread(() -> {
      try {
        Thread.sleep(3000);
      } catch (InterruptedException ignored) {
        // Halt anyway.
      }
      Runtime.getRuntime().halt(1);
    });
    halt.setDaemon(true);
    halt.start();
    System.exit(1);
  }
}
