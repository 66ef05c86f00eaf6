// The "#### watcher" program from /work/shared/seed/etcd-notes.md, verbatim (only the package clause
// and the imports are added). It hard-codes 127.0.0.1:2379; a goroutine puts and deletes
// /cron/jobs/job7 every second while the main goroutine watches that key for 5 s from the revision
// after its Get and prints the events. Used by io.etch.process.SeedGoWatcherIT.
// Build in GOPATH mode against Debian's golang-etcd-server-dev (etcd 3.4 sources).
package main

import (
	"context"
	"fmt"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/mvcc/mvccpb"
)

func main() {
   var (
      err     error
      config  clientv3.Config
      client  *clientv3.Client
      kv      clientv3.KV
      getResp *clientv3.GetResponse

      watchStartRevision int64
      /*watcher：监听器*/
      watcher       clientv3.Watcher
      watchResp     clientv3.WatchResponse
      watchRespChan <-chan clientv3.WatchResponse
      event         *clientv3.Event
   )
   config = clientv3.Config{
      Endpoints:   []string{"127.0.0.1:2379"},
      DialTimeout: 5 * time.Second,
   }
   if client, err = clientv3.New(config); err != nil {
      fmt.Println(err)
      return
   }
   defer client.Close()
   kv = clientv3.NewKV(client)

   /*模拟kv不断变化*/
   go func() {
      for {
         kv.Put(context.TODO(), "/cron/jobs/job7", "JOB7")
         kv.Delete(context.TODO(), "/cron/jobs/job7")
         time.Sleep(time.Second)
      }
   }()

   /*获取kv来得到开始监听的Revision：需要从当前Revision的下一个Revision开始监听*/
   if getResp, err = kv.Get(context.TODO(), "/cron/jobs/job7"); err != nil {
      fmt.Println(err)
      return
   }
   if getResp.Count != 0 {
      fmt.Println(getResp.Kvs[0].Value)
   }
   watchStartRevision = getResp.Header.Revision + 1 //需要从当前Revision的下一个Revision开始监听

   /*创建监听器*/
   watcher = clientv3.NewWatcher(client)
   fmt.Println("从该revision开始监听：", watchStartRevision)

   /*Watch：开启监听，通过WithRev(watchStartRevision)指定开始监听的版本
   返回一个只读chan，它将定时将监听的响应写入chan
   通过context可以取消监听*/
   ctx, cancel := context.WithCancel(context.TODO())
   time.AfterFunc(5*time.Second, cancel)
   watchRespChan = watcher.Watch(ctx, "/cron/jobs/job7", clientv3.WithRev(watchStartRevision))

   /*从watchRespChan读取监听响应*/
   for watchResp = range watchRespChan {
      for _, event = range watchResp.Events {
         switch event.Type {
         case mvccpb.PUT:
            fmt.Println("put:", event.Kv.CreateRevision, event.Kv.ModRevision)
         case mvccpb.DELETE:
            fmt.Println("del:", event.Kv.ModRevision)
         }
      }
   }
}
